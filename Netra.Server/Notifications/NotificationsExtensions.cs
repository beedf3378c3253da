using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Netra.Contracts.Notifications;
using Netra.Server.Auth;
using Netra.Server.Protection;

namespace Netra.Server.Notifications;

internal static class NotificationsExtensions
{
    public static WebApplicationBuilder AddNetraNotifications(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<NotificationStore>();
        builder.Services.AddSingleton<NotificationService>();
        return builder;
    }

    /// <summary><c>GET /api/notifications?unread=true</c>, <c>POST /api/notifications/{id}/read</c>, <c>POST /api/notifications/read-all</c>: the caller's own only.</summary>
    public static RouteGroupBuilder MapNotifications(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/notifications").WithTags("Notifications").RequireAuthorization().LimitUserCalls();

        group.MapGet("/", async Task<Ok<IReadOnlyList<NotificationEvent>>> (
            [FromQuery] bool? unread, [FromQuery] long? beforeId, [FromQuery] int? limit, ClaimsPrincipal user, NotificationService notifications, CancellationToken cancellationToken) =>
            TypedResults.Ok(await notifications.ListAsync(user.GetUserId(), unread ?? false, beforeId, limit, cancellationToken)));

        group.MapPost("/{id:long}/read", async Task<Ok<NotificationEvent>> (long id, ClaimsPrincipal user, NotificationService notifications, CancellationToken cancellationToken) =>
            TypedResults.Ok(await notifications.MarkReadAsync(user.GetUserId(), id, cancellationToken)));

        group.MapPost("/read-all", async Task<NoContent> (ClaimsPrincipal user, NotificationService notifications, CancellationToken cancellationToken) =>
        {
            await notifications.MarkAllReadAsync(user.GetUserId(), cancellationToken);
            return TypedResults.NoContent();
        });

        return group;
    }
}
