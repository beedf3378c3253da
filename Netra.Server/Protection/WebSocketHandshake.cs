using Microsoft.AspNetCore.Http.Features;

namespace Netra.Server.Protection;

/// <summary>
/// Whether a request asks to open a WebSocket, before any endpoint runs. <c>HttpContext.WebSockets</c> cannot tell
/// yet: SignalR adds the WebSocket middleware inside its own endpoint, so in the middleware before it
/// <c>IsWebSocketRequest</c> is false for every request.
/// </summary>
internal static class WebSocketHandshake
{
    /// <summary>An HTTP/1.1 handshake is a GET that asks for the upgrade in its headers; an HTTP/2 one is an extended CONNECT.</summary>
    public static bool Is(HttpContext context) =>
        context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect
            ? string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase)
            : HttpMethods.IsGet(context.Request.Method)
              && context.Request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase);
}
