using Netra.Contracts;
using Netra.Contracts.Realtime;
using Netra.Server.Errors;

namespace Netra.Server.Protection;

/// <summary>
/// The hub's handshake (negotiate and WebSocket) from a browser origin outside the allow-list gets
/// 403 before SignalR sees it: CORS alone does not protect a WebSocket, which browsers open cross-site
/// without asking.
/// </summary>
internal sealed class OriginCheckMiddleware(RequestDelegate next, OriginPolicy policy, ILogger<OriginCheckMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments(HubPath.Hub) && context.Request.Path != HubPath.Config
            && context.Request.Headers.Origin is { Count: > 0 } origin && !policy.IsAllowed(origin.ToString(), context.Request))
        {
            ProtectionLog.OriginRefused(logger, origin.ToString(), context.Request.Path);
            throw ProblemException.Forbidden($"Origin '{origin}' is not allowed to connect.");
        }

        return next(context);
    }
}
