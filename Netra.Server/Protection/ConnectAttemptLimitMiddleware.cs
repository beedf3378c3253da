using Netra.Contracts.Realtime;

namespace Netra.Server.Protection;

/// <summary>
/// Per-IP limit on attempts to open a hub connection: a negotiate request, or a WebSocket handshake
/// that skips negotiation. The WebSocket that follows a negotiate (it carries <c>id</c>) is the same
/// attempt and is not counted twice.
/// </summary>
internal sealed class ConnectAttemptLimitMiddleware(RequestDelegate next, RateLimitGuard guard)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var isAttempt = request.Path.StartsWithSegments(HubPath.Hub + "/negotiate")
            || (request.Path == HubPath.Hub && context.WebSockets.IsWebSocketRequest && !request.Query.ContainsKey("id"));
        if (isAttempt)
        {
            await guard.EnsureConnectAttemptAsync(context.Connection.RemoteIpAddress?.ToString(), context.RequestAborted);
        }

        await next(context);
    }
}
