using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Contracts.Events;
using Netra.Contracts.Realtime;
using Netra.Server.Auth;
using Netra.Server.Chat;
using Netra.Server.Configuration;
using Netra.Server.Errors;
using Netra.Server.Protection;
using Netra.Server.Realtime;

namespace Netra.Server.Events;

internal static class EventsExtensions
{
    public const int MaxIdLength = 64;

    public static WebApplicationBuilder AddNetraEvents(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<EventsOptions>(EventsOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<EventsOptions>, EventsOptionsValidator>();
        builder.Services.AddSingleton<ChannelEventStore>();
        builder.Services.AddSingleton<ChannelEventService>();
        builder.Services.AddSingleton<ChannelAccess>();
        builder.Services.AddHostedService<RetentionService>();
        return builder;
    }

    /// <summary>
    /// The publish APIs for backend services (role <c>service</c>) and the history of every channel.
    /// </summary>
    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.MapGroup("/api").WithTags("Publish").RequireAuthorization(policy => policy.RequireRole(NetraRoles.Service));

        services.MapPost("/publish", async Task<Accepted<PublishResult>> (
            PublishRequest request, [FromHeader(Name = ChannelEventService.IdempotencyHeader)] string? idempotencyKey, ClaimsPrincipal caller, HttpContext http,
            ChannelAccess access, ChannelEventService events, CancellationToken cancellationToken) =>
        {
            var channel = access.AuthorizePublish(request.Channel, CallerName(caller));
            var outcome = await events.PublishAsync(
                "publish", [events.Prepare(channel, nameof(INetraClient.ChannelEvent), request.Type, request.Payload)], caller.GetUserId(), idempotencyKey, cancellationToken);
            return Accepted(http, outcome, outcome.Results[0]);
        }).LimitPublishes();

        // A bulk operation with a budget of its own: up to Netra:Events:MaxBatchEvents events, stored all or none.
        services.MapPost("/publish/batch", async Task<Accepted<PublishResult[]>> (
            PublishBatchRequest request, [FromHeader(Name = ChannelEventService.IdempotencyHeader)] string? idempotencyKey, ClaimsPrincipal caller, HttpContext http,
            ChannelAccess access, ChannelEventService events, CancellationToken cancellationToken) =>
        {
            var name = CallerName(caller);
            var prepared = events.PrepareBatch(request.Events, channel => access.AuthorizePublish(channel, name));
            var outcome = await events.PublishAsync("publish/batch", prepared, caller.GetUserId(), idempotencyKey, cancellationToken);
            return Accepted(http, outcome, outcome.Results.ToArray());
        }).LimitBatchPublishes();

        services.MapPost("/issues/{issueId}/events", async Task<Accepted<PublishResult[]>> (
            string issueId, IssueEventRequest request, [FromHeader(Name = ChannelEventService.IdempotencyHeader)] string? idempotencyKey, ClaimsPrincipal caller,
            HttpContext http, ChannelEventService events, CancellationToken cancellationToken) =>
        {
            var issue = RequireId(issueId, "issue id");
            var payload = JsonSerializer.SerializeToElement(new { issueId = issue, data = request.Data }, ChannelEventService.WireJson);
            // One change, two channels, stored together: every issue's watchers (issues) and this issue's (issue:{id}), each with its own seq.
            var prepared = new[] { Channels.Issues, Channels.Issue(issue) }
                .Select(name => events.Prepare(Channels.Parse(name), nameof(INetraClient.IssueUpdated), request.UpdateType, payload))
                .ToList();
            var outcome = await events.PublishAsync("issues/events", prepared, caller.GetUserId(), idempotencyKey, cancellationToken);
            return Accepted(http, outcome, outcome.Results.ToArray());
        }).LimitPublishes();

        services.MapPost("/alerts", async Task<Accepted<PublishResult>> (
            AlertRequest request, [FromHeader(Name = ChannelEventService.IdempotencyHeader)] string? idempotencyKey, ClaimsPrincipal caller, HttpContext http,
            ChannelEventService events, CancellationToken cancellationToken) =>
        {
            var alertId = RequireId(request.AlertId, "alertId");
            var severity = request.Severity?.ToLowerInvariant() is "info" or "warning" or "critical"
                ? request.Severity.ToLowerInvariant()
                : throw ProblemException.Validation("severity must be info, warning or critical.");
            var message = InputRules.RequireText(request.Message, "message", 1000, multiLine: true);
            var payload = JsonSerializer.SerializeToElement(new { alertId, severity, message, data = request.Data }, ChannelEventService.WireJson);
            var outcome = await events.PublishAsync(
                "alerts", [events.Prepare(Channels.Parse(Channels.Alerts), nameof(INetraClient.AlertTriggered), severity, payload)], caller.GetUserId(), idempotencyKey, cancellationToken);
            return Accepted(http, outcome, outcome.Results[0]);
        }).LimitPublishes();

        // History of any channel the caller may read, in ascending seq order (chats: their messages).
        endpoints.MapGet("/api/channels/{channel}/events", async Task<Ok<IReadOnlyList<JsonElement>>> (
            string channel,
            [FromQuery] long? afterSeq,
            [FromQuery] long? beforeSeq,
            [FromQuery] int? limit,
            ClaimsPrincipal user,
            ChannelAccess access,
            ChannelEventService events,
            ChatService chats,
            CancellationToken cancellationToken) =>
        {
            var userId = user.GetUserId();
            var name = await access.AuthorizeReadAsync(userId, channel, cancellationToken);
            if (name.Kind == ChannelKind.Chat)
            {
                var messages = await chats.GetHistoryAsync(userId, name.ChatId, afterSeq, beforeSeq, limit, cancellationToken);
                return TypedResults.Ok<IReadOnlyList<JsonElement>>(messages.Select(m => JsonSerializer.SerializeToElement(m, ChannelEventService.WireJson)).ToList());
            }

            return TypedResults.Ok(name.Kind == ChannelKind.Presence ? [] : await events.GetHistoryAsync(name, afterSeq, beforeSeq, limit, cancellationToken));
        }).WithTags("History").RequireAuthorization();

        return endpoints;
    }

    /// <summary>202 with <paramref name="body"/>; a repeated call (same idempotency key) says so in <c>Idempotent-Replayed: true</c>.</summary>
    private static Accepted<T> Accepted<T>(HttpContext http, PublishOutcome outcome, T body)
    {
        if (outcome.Replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return TypedResults.Accepted((string?)null, body);
    }

    private static string CallerName(ClaimsPrincipal caller) =>
        caller.GetUserName() is { Length: > 0 } name ? name : caller.FindFirst(NetraClaims.Subject)?.Value ?? "service";

    private static string RequireId(string? id, string field) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxIdLength && id.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? id
            : throw ProblemException.Validation($"{field} must be 1 to {MaxIdLength} letters, digits, '-', '_' or '.'.");
}
