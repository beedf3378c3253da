using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Backplane;

internal static class BackplaneExtensions
{
    /// <summary>
    /// With <c>ConnectionStrings:Redis</c> set, replaces SignalR's <see cref="HubLifetimeManager{THub}"/>
    /// with <see cref="RedisHubLifetimeManager{THub}"/> so that every node delivers to every
    /// connection; without it, does nothing and the node runs alone on SignalR's default manager.
    /// Call after <c>AddSignalR</c> (AddNetraRealtime).
    /// </summary>
    public static WebApplicationBuilder AddNetraBackplane(this WebApplicationBuilder builder)
    {
        var redis = builder.Configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(redis))
        {
            return builder;
        }

        builder.Services.AddOptions<BackplaneOptions>()
            .BindConfiguration(BackplaneOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.Configure<RedisConnectionSettings>(settings => settings.ConnectionString = redis);
        builder.Services.AddSingleton<RedisConnection>();
        // AddSignalR registered the default manager with TryAdd; the last registration wins.
        builder.Services.AddSingleton(typeof(HubLifetimeManager<>), typeof(RedisHubLifetimeManager<>));
        return builder;
    }
}
