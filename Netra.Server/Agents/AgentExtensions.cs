using Microsoft.AspNetCore.Http.HttpResults;
using Netra.Contracts.Agents;
using Netra.Server.Configuration;
using Netra.Server.Protection;

namespace Netra.Server.Agents;

internal static class AgentExtensions
{
    public const string ServiceRole = "service";

    /// <summary>Agent runs: the catalog with the built-in demo agent, the runner and the service push API.</summary>
    public static WebApplicationBuilder AddNetraAgents(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<AgentOptions>(AgentOptions.SectionName);
        builder.Services.AddSingleton<IAgent, DemoAgent>();
        builder.Services.AddSingleton<AgentCatalog>();
        builder.Services.AddSingleton<AgentStore>();
        builder.Services.AddSingleton<AgentRunLimiter>();
        builder.Services.AddSingleton<AgentMetrics>();
        builder.Services.AddSingleton<AgentEventPublisher>();
        builder.Services.AddSingleton<AgentPushService>();
        builder.Services.AddSingleton<AgentRunService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AgentRunService>());
        return builder;
    }

    public static RouteGroupBuilder MapAgentRuns(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/agent-runs").WithTags("Agents")
            .RequireAuthorization(policy => policy.RequireRole(ServiceRole))
            .LimitPublishes();

        group.MapPost("/{runId}/events", async Task<Accepted<AgentEvent>> (
            string runId, PushAgentEventRequest? request, AgentPushService agents, CancellationToken cancellationToken) =>
            TypedResults.Accepted((string?)null, await agents.PushAsync(runId, request, cancellationToken)));

        return group;
    }
}
