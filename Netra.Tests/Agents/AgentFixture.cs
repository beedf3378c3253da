using System.Globalization;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Netra.Server.Agents;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Agents;

/// <summary>
/// Two Netra nodes sharing one database and one Redis, with the test agents registered beside the
/// demo agent, no demo pacing, and at most <see cref="MaxRunsPerUser"/> runs per user.
/// </summary>
public sealed class AgentFixture : IAsyncLifetime
{
    public const int MaxRunsPerUser = 2;

    private readonly List<NetraTestServer> nodes = [];
    private RedisServer? redis;

    public AgentProbe Probe { get; } = new();

    public IReadOnlyList<NetraTestServer> Nodes => nodes;

    public NetraApi Api => new(nodes[0]);

    public async Task InitializeAsync()
    {
        redis = await RedisServer.StartAsync();
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["Netra:Backplane:ChannelPrefix"] = "netra-agents-" + Guid.NewGuid().ToString("N")[..8],
            ["Netra:Agents:DemoStepDelayMs"] = "0",
            ["Netra:Agents:DemoTokenDelayMs"] = "0",
            ["Netra:Agents:MaxConcurrentRunsPerUser"] = MaxRunsPerUser.ToString(CultureInfo.InvariantCulture),
            ["Netra:Limits:MaxConnectionsPerUser"] = "20",
        };
        void AddTestAgents(IServiceCollection services)
        {
            services.AddSingleton(Probe);
            services.AddSingleton<IAgent, GatedAgent>();
            services.AddSingleton<IAgent, FailingAgent>();
        }

        nodes.AddRange(await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => NetraTestServer.StartAsync(database, settings, services: AddTestAgents))));
    }

    /// <summary>A user with role <c>service</c>, logged in again so that the token carries the role.</summary>
    public async Task<TestUser> CreateServiceAsync()
    {
        var service = await Api.CreateUserAsync("svc");
        await using (var db = new NpgsqlConnection(nodes[0].PostgresConnectionString))
        {
            await db.ExecuteAsync("UPDATE users SET roles = '{service}' WHERE id = @id", new { id = service.Id });
        }

        return service with { Token = (await Api.LoginAsync(service.UserName, service.Password)).AccessToken };
    }

    public async Task DisposeAsync()
    {
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        if (redis is not null)
        {
            await redis.DisposeAsync();
        }
    }
}
