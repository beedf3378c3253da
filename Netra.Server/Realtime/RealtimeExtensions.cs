using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Netra.Contracts.Realtime;
using Netra.Server.Protection;
using Netra.Server.Configuration;

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
        return builder;
    }

    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder endpoints)
    {
        // What MapHub<NetraHub> does, plus the client-timeout guard and the handshake gate in the connection pipeline before the hub.
        // A connection lives no longer than its token: when it expires the server closes the connection,
        // and clients reconnect with a fresh token from their token provider.
        var guard = endpoints.ServiceProvider.GetRequiredService<ClientTimeoutGuard>();
        endpoints.MapConnections(HubPath.Hub, new HttpConnectionDispatcherOptions { CloseOnAuthenticationExpiration = true }, connection =>
            {
                connection.Use(guard.Wrap);
                connection.Use(HandshakeGate.Hold);
                connection.UseHub<NetraHub>();
            })
            .WithMetadata([.. typeof(NetraHub).GetCustomAttributes(inherit: true), new HubMetadata(typeof(NetraHub))]);
        endpoints.MapGet(HubPath.Config, (IOptions<LimitsOptions> limits, IOptions<RealtimeOptions> realtime, IOptions<Chat.ChatOptions> chat, IOptions<Uploads.UploadOptions> uploads) =>
                TypedResults.Json(DiscoveryDocument.Create(limits.Value, realtime.Value, chat.Value, uploads.Value), DiscoveryDocument.Json))
            .AllowAnonymous()
            .WithTags("Realtime");
        return endpoints;
    }
}
