using Microsoft.AspNetCore.SignalR;
using Netra.Server.Configuration;
using Netra.Server.Realtime;

namespace Netra.Server.Backplane;

internal static class BackplaneExtensions
{
    /// <summary>
    /// Replaces SignalR's default <see cref="HubLifetimeManager{THub}"/> with
    /// <see cref="NetraHubLifetimeManager{THub}"/>. With <c>ConnectionStrings:Redis</c> set it shares every
    /// send with the other nodes through Redis; without it the node runs alone. Call after <c>AddSignalR</c>
    /// (AddNetraRealtime).
    /// </summary>
    public static WebApplicationBuilder AddNetraBackplane(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<BackplaneOptions>(BackplaneOptions.SectionName);
        // AddSignalR registered the default manager with TryAdd; the last registration wins.
        builder.Services.AddSingleton(typeof(HubLifetimeManager<>), typeof(NetraHubLifetimeManager<>));
        builder.Services.AddSingleton<IGroupRunSender>(services => (IGroupRunSender)services.GetRequiredService<HubLifetimeManager<NetraHub>>());

        var redis = builder.Configuration.GetConnectionString("Redis");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            builder.Services.Configure<RedisConnectionSettings>(settings => settings.ConnectionString = redis);
            builder.Services.AddSingleton<RedisConnection>();
        }

        return builder;
    }
}
