using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Netra.Contracts.Realtime;
using Netra.Server.Protection;

namespace Netra.Server.Realtime;

/// <summary>
/// WebSocket compression for the hub (<see cref="RealtimeOptions.WebSocketCompression"/>). SignalR's WebSocket transport
/// accepts the socket without asking for permessage-deflate, so the hub's handshakes get a WebSocket feature that does:
/// the WebSocket middleware runs here, before SignalR's endpoint, and its feature is wrapped (SignalR's own WebSocket
/// middleware then finds a feature in place and leaves it).
/// </summary>
internal static class WebSocketCompression
{
    public static IApplicationBuilder UseHubWebSocketCompression(this IApplicationBuilder app)
    {
        if (!app.ApplicationServices.GetRequiredService<IOptions<RealtimeOptions>>().Value.WebSocketCompression)
        {
            return app;
        }

        return app.UseWhen(
            context => context.Request.Path.StartsWithSegments(HubPath.Hub) && WebSocketHandshake.Is(context),
            hub => hub.UseWebSockets().Use((context, next) =>
            {
                if (context.Features.Get<IHttpWebSocketFeature>() is { } feature)
                {
                    context.Features.Set<IHttpWebSocketFeature>(new CompressingFeature(feature));
                }

                return next(context);
            }));
    }

    /// <summary>
    /// Accepts with permessage-deflate when the client offered it (without an offer nothing changes), keeping no
    /// compression context between frames, so that an idle connection holds no compressor.
    /// </summary>
    private sealed class CompressingFeature(IHttpWebSocketFeature inner) : IHttpWebSocketFeature
    {
        public bool IsWebSocketRequest => inner.IsWebSocketRequest;

        // A context of its own: the one passed in may be shared by every connection (SignalR passes one instance).
        public Task<WebSocket> AcceptAsync(WebSocketAcceptContext context) => inner.AcceptAsync(new WebSocketAcceptContext
        {
            SubProtocol = context.SubProtocol,
            KeepAliveInterval = context.KeepAliveInterval,
            KeepAliveTimeout = context.KeepAliveTimeout,
            ServerMaxWindowBits = context.ServerMaxWindowBits,
            DangerousEnableCompression = true,
            DisableServerContextTakeover = true,
        });
    }
}
