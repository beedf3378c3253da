using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Netra.Contracts.Notifications;
using Netra.Server.Auth;
using Netra.Server.Protection;

namespace Netra.Server.Connections;

internal static class ConnectionsExtensions
{
    public static WebApplicationBuilder AddNetraConnections(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ConnectionStore>();
        builder.Services.AddSingleton<ConnectionService>();
        return builder;
    }

    /// <summary>Connection requests: ask, accept, decline, list pending (<c>?direction=incoming|outgoing</c>) and accepted.</summary>
    public static RouteGroupBuilder MapConnections(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/connections").WithTags("Connections").RequireAuthorization().LimitUserCalls();

        group.MapPost("/requests", async Task<Created<ConnectionRequestInfo>> (
            CreateConnectionRequest? request, ClaimsPrincipal user, ConnectionService connections, CancellationToken cancellationToken) =>
        {
            var created = await connections.RequestAsync(user.GetUserId(), request, cancellationToken);
            return TypedResults.Created($"/api/connections/requests/{created.Id}", created);
        });

        group.MapPost("/requests/{requestId:long}/accept", async Task<Ok<ConnectionRequestInfo>> (
            long requestId, ClaimsPrincipal user, ConnectionService connections, CancellationToken cancellationToken) =>
            TypedResults.Ok(await connections.AcceptAsync(user.GetUserId(), requestId, cancellationToken)));

        group.MapPost("/requests/{requestId:long}/decline", async Task<NoContent> (
            long requestId, ClaimsPrincipal user, ConnectionService connections, CancellationToken cancellationToken) =>
        {
            await connections.DeclineAsync(user.GetUserId(), requestId, cancellationToken);
            return TypedResults.NoContent();
        });

        group.MapGet("/requests", async Task<Ok<IReadOnlyList<ConnectionRequestInfo>>> (
            [FromQuery] string? direction, ClaimsPrincipal user, ConnectionService connections, CancellationToken cancellationToken) =>
            TypedResults.Ok(await connections.ListPendingAsync(user.GetUserId(), direction, cancellationToken)));

        group.MapGet("/", async Task<Ok<IReadOnlyList<ConnectionRequestInfo>>> (ClaimsPrincipal user, ConnectionService connections, CancellationToken cancellationToken) =>
            TypedResults.Ok(await connections.ListAcceptedAsync(user.GetUserId(), cancellationToken)));

        return group;
    }
}
