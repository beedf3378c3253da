using Netra.Client;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// Netra nodes in processes of their own (<see cref="NetraProcess"/>) behind a TCP load balancer without sticky sessions,
/// sharing a Redis of their own and a fresh database: a scaled-out deployment whose nodes can be killed, stopped and
/// restarted.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    private readonly RedisServer redis;
    private readonly string database;
    private readonly Dictionary<string, string?> settings;
    private readonly NetraProcess[] nodes;

    private ProcessCluster(RedisServer redis, string database, Dictionary<string, string?> settings, NetraProcess[] nodes)
    {
        this.redis = redis;
        this.database = database;
        this.settings = settings;
        this.nodes = nodes;
        Balancer = new TcpLoadBalancer(nodes.Select(node => node.BaseAddress).ToList());
    }

    /// <summary>The nodes, in the order the balancer tries them: its first connection goes to the first.</summary>
    public IReadOnlyList<NetraProcess> Nodes => nodes;

    public TcpLoadBalancer Balancer { get; }

    /// <summary>Starts <paramref name="count"/> nodes with <paramref name="extraSettings"/> besides Redis and a channel prefix of their own.</summary>
    public static async Task<ProcessCluster> StartAsync(int count, IDictionary<string, string?>? extraSettings = null)
    {
        var redis = await RedisServer.StartAsync();
        var started = new List<NetraProcess>();
        try
        {
            var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
            var settings = new Dictionary<string, string?>(extraSettings ?? new Dictionary<string, string?>())
            {
                ["ConnectionStrings:Redis"] = redis.ConnectionString,
                ["Netra:Backplane:ChannelPrefix"] = "netra-cluster-" + Guid.NewGuid().ToString("N")[..8],
            };
            for (var i = 0; i < count; i++)
            {
                started.Add(await NetraProcess.StartAsync(database, settings));
            }

            return new ProcessCluster(redis, database, settings, [.. started]);
        }
        catch
        {
            foreach (var node in started)
            {
                await node.DisposeAsync();
            }

            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Options for a client that comes in through the balancer (WebSockets only: without sticky sessions a negotiated
    /// connection's requests could reach different nodes) and reconnects quickly, through it, when its node goes.
    /// </summary>
    public NetraClientOptions ThroughBalancer(string token) => new()
    {
        Url = Balancer.BaseAddress,
        SkipNegotiation = true,
        AccessTokenProvider = _ => ValueTask.FromResult<string?>(token),
        RetryPolicy = new ExponentialBackoffRetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) },
    };

    /// <summary>Starts node <paramref name="index"/> again on its port, once it was killed or stopped.</summary>
    public async Task RestartAsync(int index)
    {
        var old = nodes[index];
        await old.DisposeAsync();
        nodes[index] = await NetraProcess.StartAsync(database, settings, old.BaseAddress.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await Balancer.DisposeAsync();
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        await redis.DisposeAsync();
    }
}
