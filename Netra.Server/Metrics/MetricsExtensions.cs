using Microsoft.AspNetCore.Http.HttpResults;
using Netra.Server.Auth;

namespace Netra.Server.Metrics;

internal static class MetricsExtensions
{
    public static WebApplicationBuilder AddNetraMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<NetraMetrics>();
        builder.Services.AddSingleton<HubMetricsFilter>();
        return builder;
    }

    public static RouteGroupBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var group = endpoints.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(policy => policy.RequireRole(NetraRoles.Admin));
        group.MapGet("/stats", Ok<StatsSnapshot> (NetraMetrics metrics) =>
            TypedResults.Ok(new StatsSnapshot(Environment.MachineName, startedAt, metrics.ActiveConnections, metrics.Totals, GcSnapshot.Now())));
        return group;
    }
}
