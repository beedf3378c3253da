using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Netra.Server.Health;

internal static class HealthExtensions
{
    private const string ReadyTag = "ready";

    public static WebApplicationBuilder AddNetraHealth(this WebApplicationBuilder builder)
    {
        var checks = builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: [ReadyTag]);
        var redis = builder.Configuration.GetConnectionString("Redis");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            checks.AddCheck("redis", new RedisHealthCheck(redis), tags: [ReadyTag]);
        }

        return builder;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        // Live: the process answers. Ready: it can also reach what it needs to serve.
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) }).AllowAnonymous();
        return endpoints;
    }
}
