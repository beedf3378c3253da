using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Backplane;

/// <summary>
/// Several real Netra nodes (Kestrel on loopback ports) sharing one database and one Redis of
/// their own, started once for the tests of one class and disposed after them.
/// </summary>
public abstract class ScaleoutFixture : IAsyncLifetime
{
    /// <summary>Short, so that the test of an unacknowledged group command does not wait 5 s.</summary>
    public const int AckTimeoutSeconds = 2;

    private readonly List<NetraTestServer> nodes = [];
    private RedisServer? redis;

    public abstract int NodeCount { get; }

    public IReadOnlyList<NetraTestServer> Nodes => nodes;

    public RedisServer Redis => redis ?? throw new InvalidOperationException("Redis has not started.");

    public NetraApi Api => new(nodes[0]);

    public async Task InitializeAsync()
    {
        redis = await RedisServer.StartAsync();
        var postgres = await PostgresServer.SharedAsync();
        var database = await postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["Netra:Backplane:ChannelPrefix"] = "netra-test-" + Guid.NewGuid().ToString("N")[..8],
            ["Netra:Backplane:AckTimeoutSeconds"] = AckTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Users here hold two tabs on each of three nodes: more than the default 5, which counts across nodes.
            ["Netra:Limits:MaxConnectionsPerUser"] = "20",
            // Wide, so that a slow moment on a shared 2-core machine never turns a reorder into a give-up.
            ["Netra:Realtime:OrderingWindowMs"] = "2000",
        };
        Configure(settings);
        nodes.AddRange(await Task.WhenAll(Enumerable.Range(0, NodeCount).Select(_ => NetraTestServer.StartAsync(database, settings))));
    }

    /// <summary>Settings a derived fixture adds or overrides for every node.</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
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
