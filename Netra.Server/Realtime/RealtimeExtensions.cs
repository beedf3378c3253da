using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Netra.Contracts.Realtime;
using Netra.Server.Protection;
using Netra.Server.Configuration;
using Netra.Server.Realtime.WebSockets;

namespace Netra.Server.Realtime;

internal static class RealtimeExtensions
{
    public static WebApplicationBuilder AddNetraRealtime(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<RealtimeOptions>(RealtimeOptions.SectionName);

        builder.Services.AddSignalR();
        builder.Services.AddSingleton<IHubActivator<NetraHub>, NetraHubActivator>();
        builder.Services.AddSingleton<IConfigureOptions<HubOptions>, HubFilters>();
        builder.Services.AddOptions<HubOptions>().Configure<IOptions<RealtimeOptions>, IOptions<LimitsOptions>>((options, realtime, limits) =>
        {
            options.KeepAliveInterval = TimeSpan.FromSeconds(realtime.Value.KeepAliveSeconds);
            options.ClientTimeoutInterval = TimeSpan.FromSeconds(realtime.Value.ClientTimeoutSeconds);
            options.MaximumReceiveMessageSize = limits.Value.MaxMessageBytes;
            options.MaximumParallelInvocationsPerClient = realtime.Value.MaxParallelCallsPerConnection;
            options.EnableDetailedErrors = false;
        });
        // Replace the JSON protocol AddSignalR registered with the same protocol wrapped so that errors carry codes.
        builder.Services.RemoveAll<IHubProtocol>();
        builder.Services.AddSingleton<IHubProtocol>(services =>
            new CodedErrorsHubProtocol(
                new JsonHubProtocol(services.GetRequiredService<IOptions<JsonHubProtocolOptions>>()),
                services.GetRequiredService<IOptions<LimitsOptions>>().Value.MaxMessageBytes));
        builder.Services.AddSingleton<HubErrorFilter>();
        builder.Services.AddSingleton<CallOrderFilter>();
        builder.Services.AddSingleton<CallTurnFilter>();
        builder.Services.AddSingleton<SubscriptionService>();
        builder.Services.AddSingleton<ClientTimeoutGuard>();
        builder.Services.AddHostedService<ThreadPoolFloor>();
        builder.Services.AddSingleton<HubAdmission>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(UseDirectWebSockets));
        return builder;
    }

    /// <summary>Netra's own WebSocket transport in front of each endpoint's HTTP server, unless turned off (<see cref="RealtimeOptions.DirectWebSockets"/>).</summary>
    private static void UseDirectWebSockets(ListenOptions listen)
    {
        var services = listen.ApplicationServices;
        var realtime = services.GetRequiredService<IOptions<RealtimeOptions>>().Value;
        if (!realtime.DirectWebSockets)
        {
            return;
        }

        var hub = new ConnectionBuilder(services);
        BuildHubConnection(hub);
        var limits = services.GetRequiredService<IOptions<LimitsOptions>>().Value;
        var dispatcher = HubDispatcherOptions(); // the same times and buffer as ASP.NET Core's path
        var options = new DirectWebSocketOptions(
            HandshakeTimeout: listen.KestrelServerOptions.Limits.RequestHeadersTimeout,
            SendTimeout: dispatcher.TransportSendTimeout,
            CloseTimeout: dispatcher.WebSockets.CloseTimeout,
            MaxBufferedBytes: (int)Math.Max(dispatcher.ApplicationMaxBufferSize, 2L * limits.MaxMessageBytes),
            SendOnSocket: realtime.DirectWebSocketsSendOnSocket);
        var direct = new DirectWebSockets(HubPath.Hub, hub.Build(), options, services.GetRequiredService<HubAdmission>().AdmitAsync,
            services.GetRequiredService<ILogger<DirectWebSockets>>());
        listen.Use(direct.Wrap);
    }

    /// <summary>
    /// ASP.NET Core's path for the hub: a connection lives no longer than its token (when it expires the server closes the
    /// connection, and clients reconnect with a fresh token from their token provider). Netra's own transport takes its
    /// send and close timeouts and its input buffer from here too.
    /// </summary>
    private static HttpConnectionDispatcherOptions HubDispatcherOptions() => new() { CloseOnAuthenticationExpiration = true };

    /// <summary>
    /// The hub's connection pipeline, for both transports: the client-timeout guard and the handshake gate, then the hub.
    /// </summary>
    private static void BuildHubConnection(IConnectionBuilder connection)
    {
        connection.Use(connection.ApplicationServices.GetRequiredService<ClientTimeoutGuard>().Wrap);
        connection.Use(HandshakeGate.Hold);
        connection.UseHub<NetraHub>();
    }

    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder endpoints)
    {
        // What MapHub<NetraHub> does, with Netra's connection pipeline (BuildHubConnection), for negotiated connections and
        // every handshake Netra's own transport does not take.
        endpoints.MapConnections(HubPath.Hub, HubDispatcherOptions(), BuildHubConnection)
            .WithMetadata([.. typeof(NetraHub).GetCustomAttributes(inherit: true), new HubMetadata(typeof(NetraHub))]);
        endpoints.MapGet(HubPath.Config, (IOptions<LimitsOptions> limits, IOptions<RealtimeOptions> realtime, IOptions<Chat.ChatOptions> chat, IOptions<Uploads.UploadOptions> uploads) =>
                TypedResults.Json(DiscoveryDocument.Create(limits.Value, realtime.Value, chat.Value, uploads.Value), DiscoveryDocument.Json))
            .AllowAnonymous()
            .WithTags("Realtime");
        return endpoints;
    }
}
