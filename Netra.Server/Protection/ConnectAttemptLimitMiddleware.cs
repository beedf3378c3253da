using Netra.Contracts.Realtime;

namespace Netra.Server.Protection;

/// <summary>
/// Per-IP limit on attempts to open a hub connection: a negotiate request, or a WebSocket handshake
/// that skips negotiation. The WebSocket that follows a negotiate (it carries <c>id</c>) is the same
/// attempt and is not counted twice.
/// </summary>
internal sealed class ConnectAttemptLimitMiddleware(RequestDelegate next, RateLimitGuard guard)
{
    /// <remarks>
    /// Not an async method: a WebSocket request stays in the pipeline for the connection's whole life, and an awaiting
    /// middleware keeps its state machine (about 0.1 KiB) alive for as long. When the check completes at once (the local
    /// store) the request goes on without one.
    /// </remarks>
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var isAttempt = request.Path.StartsWithSegments(HubPath.Hub + "/negotiate")
            || (request.Path == HubPath.Hub && WebSocketHandshake.Is(context) && !request.Query.ContainsKey("id"));
        if (!isAttempt)
        {
            return next(context);
        }

        var check = guard.EnsureConnectAttemptAsync(context.Connection.RemoteIpAddress?.ToString(), context.RequestAborted);
        return check.IsCompletedSuccessfully ? next(context) : CheckedAsync(check, context);
    }

    private async Task CheckedAsync(Task check, HttpContext context)
    {
        await check;
        await next(context);
    }
}
