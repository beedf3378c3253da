using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using Netra.Server.Configuration;

namespace Netra.Server.Protection;

internal static class ProtectionExtensions
{
    public static WebApplicationBuilder AddNetraProtection(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<LimitsOptions>(LimitsOptions.SectionName);
        builder.Services.AddSingleton<LocalRateLimitStore>();
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Redis")))
        {
            builder.Services.AddSingleton<IRateLimitStore>(services => services.GetRequiredService<LocalRateLimitStore>());
            builder.Services.AddSingleton<IConnectionCounter>(services => services.GetRequiredService<LocalConnectionCounter>());
        }
        else
        {
            // Scaled out: every node counts in Redis (RedisConnection comes with AddNetraBackplane).
            builder.Services.AddSingleton<IRateLimitStore, RedisRateLimitStore>();
            builder.Services.AddSingleton<RedisLeases>();
            builder.Services.AddHostedService(services => services.GetRequiredService<RedisLeases>());
            builder.Services.AddSingleton<IConnectionCounter, RedisConnectionCounter>();
        }

        builder.Services.AddSingleton<RateLimitGuard>();
        builder.Services.AddSingleton<HubRateLimitFilter>();
        builder.Services.AddSingleton<LocalConnectionCounter>();
        builder.Services.AddSingleton<ConnectionLimitFilter>();

        builder.Services.AddValidatedOptions<OriginOptions>(OriginOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<OriginOptions>, OriginOptionsValidator>();
        builder.Services.AddSingleton<OriginPolicy>();
        builder.Services.AddCors();
        builder.Services.AddOptions<CorsOptions>().Configure<OriginPolicy>((options, origins) =>
            options.AddDefaultPolicy(policy => policy
                .SetIsOriginAllowed(origin => origins.IsAllowed(origin))
                .AllowAnyHeader()
                .AllowAnyMethod()
                .AllowCredentials()
                .WithExposedHeaders("Retry-After", "Location")));
        return builder;
    }

    /// <summary>
    /// Checks before a request reaches an endpoint: CORS, the hub's origin check, connection attempts per IP. A
    /// WebSocket handshake skips CORS: browsers do not apply it there (the origin check is what guards the hub), and
    /// what it adds to a response (headers, a callback) would stay with the WebSocket's request for its whole life.
    /// </summary>
    public static IApplicationBuilder UseNetraProtection(this IApplicationBuilder app) =>
        app.UseWhen(context => !WebSocketHandshake.Is(context), cors => cors.UseCors())
            .UseMiddleware<OriginCheckMiddleware>()
            .UseMiddleware<ConnectAttemptLimitMiddleware>();

    /// <summary>The signed-in user's writes through these endpoints count against their call limit (<see cref="ApiCallLimitFilter"/>).</summary>
    public static TBuilder LimitUserCalls<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new ApiCallLimitFilter(static (guard, userId, cancellationToken) => guard.EnsureCallAsync(userId, cancellationToken)));

    /// <summary>A service's calls of these publish endpoints count against <see cref="LimitsOptions.PublishesPerMinutePerService"/>.</summary>
    public static TBuilder LimitPublishes<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new ApiCallLimitFilter(static (guard, serviceId, cancellationToken) => guard.EnsurePublishAsync(serviceId, cancellationToken)));

    /// <summary>A service's batch publishes count against <see cref="LimitsOptions.BatchPublishesPerMinutePerService"/>.</summary>
    public static TBuilder LimitBatchPublishes<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new ApiCallLimitFilter(static (guard, serviceId, cancellationToken) => guard.EnsureBatchPublishAsync(serviceId, cancellationToken)));
}
