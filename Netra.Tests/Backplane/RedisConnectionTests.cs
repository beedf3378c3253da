using System.Text;
using FluentAssertions;
using Netra.Server.Backplane;
using Netra.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace Netra.Tests.Backplane;

/// <summary>
/// The node's Redis connection against a real Redis, as Redis itself lists its clients: by default one RESP3 connection
/// carries commands and pub/sub, served by StackExchange.Redis's own reader and writer threads; with
/// <c>DedicatedConnection</c> off the library's defaults, and under RESP2 (which cannot share) two connections either way.
/// </summary>
/// <remarks>
/// Alone in its collection, which xUnit runs after the others and not beside them: one test counts the process's
/// StackExchange.Redis threads, which another test's connections would add to.
/// </remarks>
[Collection(RedisThreadCounting.Name)]
public sealed class RedisConnectionTests : IAsyncLifetime
{
    private readonly string name = $"node{Guid.NewGuid():N}";
    private readonly RedisChannel channel = RedisChannel.Literal($"conn{Guid.NewGuid():N}");
    private readonly RedisConnections connections = new();
    private RedisServer redis = null!;
    private ConnectionMultiplexer admin = null!;

    public async Task InitializeAsync()
    {
        redis = await RedisServer.SharedAsync();
        admin = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true,name=admin{Guid.NewGuid():N}");
    }

    public async Task DisposeAsync()
    {
        await connections.CloseAllAsync();
        await admin.DisposeAsync();
    }

    [Fact]
    public async Task ByDefaultOneResp3ConnectionOnItsOwnThreadsCarriesCommandsAndPubSub()
    {
        var node = await connections.Create($"{redis.ConnectionString},name={name}").GetAsync(CancellationToken.None);

        await PublishAndReceiveAsync(node);

        var clients = await ClientsAsync();
        clients.Should().ContainSingle("commands and pub/sub share the connection");
        clients[0].Protocol.Should().Be(RedisProtocol.Resp3);
        clients[0].SubscriptionCount.Should().BeGreaterThan(0);
        ThreadNames().Should().Contain(thread => thread.StartsWith("SE.Redis Sync R", StringComparison.Ordinal))
            .And.Contain(thread => thread.StartsWith("SE.Redis Sync W", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TurnedOffPubSubHasAConnectionOfItsOwn()
    {
        var node = await connections.Create($"{redis.ConnectionString},name={name}", new BackplaneOptions { DedicatedConnection = false })
            .GetAsync(CancellationToken.None);

        await PublishAndReceiveAsync(node);

        var clients = await ClientsAsync();
        clients.Should().HaveCount(2);
        clients.Should().ContainSingle(client => client.SubscriptionCount > 0);
    }

    [Fact]
    public async Task UnderResp2PubSubHasAConnectionOfItsOwn()
    {
        var node = await connections.Create($"{redis.ConnectionString},name={name},protocol=resp2").GetAsync(CancellationToken.None);

        await PublishAndReceiveAsync(node);

        (await ClientsAsync()).Should().HaveCount(2, "RESP2 cannot share the connection").And.OnlyContain(client => client.Protocol == RedisProtocol.Resp2);
    }

    [Fact]
    public async Task RestartsOfRedisLeaveTheNodeNoMoreThreadsThanItConnectedWith()
    {
        // A Redis that restarts (or a network that drops the connection) gets a new connection each time, with threads
        // of its own: those of the dead one must end, or a flapping Redis would pile them up.
        await using var restarting = await RedisServer.StartAsync();
        var node = await connections.Create($"{restarting.ConnectionString},name={name}").GetAsync(CancellationToken.None);
        var connected = LibraryThreads(); // the node's two, and any an earlier test's closed connection has not ended yet

        for (var restart = 0; restart < 3; restart++)
        {
            await restarting.RestartAsync();
            await Eventually.UntilAsync(async () => node.IsConnected && await PingsAsync(node));
        }

        await Eventually.UntilAsync(() => LibraryThreads() <= connected);
        await SubscribeAndReceiveAsync(node, publisher: node, "after");
    }

    private static async Task<bool> PingsAsync(ConnectionMultiplexer node)
    {
        try
        {
            await node.GetDatabase().PingAsync();
            return true;
        }
        catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException)
        {
            return false; // not reconnected yet
        }
    }

    /// <summary>A command and a message another client publishes, both through <paramref name="node"/>.</summary>
    private async Task PublishAndReceiveAsync(ConnectionMultiplexer node)
    {
        var key = $"{name}:key";
        await node.GetDatabase().StringSetAsync(key, "value", TimeSpan.FromMinutes(1));
        (await node.GetDatabase().StringGetAsync(key)).ToString().Should().Be("value");

        await SubscribeAndReceiveAsync(node, publisher: admin, "hello");
    }

    /// <summary>Subscribes <paramref name="node"/> to the test's channel and receives <paramref name="text"/> that <paramref name="publisher"/> publishes to it.</summary>
    private async Task SubscribeAndReceiveAsync(ConnectionMultiplexer node, ConnectionMultiplexer publisher, string text)
    {
        var queue = await node.GetSubscriber().SubscribeAsync(channel);
        (await publisher.GetSubscriber().PublishAsync(channel, Encoding.UTF8.GetBytes(text))).Should().Be(1, "the node is the one subscriber");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var message = await queue.ReadAsync(timeout.Token);
        Encoding.UTF8.GetString((byte[])message.Message!).Should().Be(text);
    }

    private async Task<ClientInfo[]> ClientsAsync() =>
        (await admin.GetServer(admin.GetEndPoints()[0]).ClientListAsync()).Where(client => client.Name == name).ToArray();

    private static int LibraryThreads() => ThreadNames().Count(thread => thread.StartsWith("SE.Redis Sync ", StringComparison.Ordinal));

    /// <summary>The names of this process's threads as the kernel has them (15 characters at most).</summary>
    private static List<string> ThreadNames()
    {
        var names = new List<string>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                names.Add(File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'));
            }
            catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
            {
                // That thread ended after it was listed: it has no name to give.
            }
        }

        return names;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisThreadCounting
{
    public const string Name = "StackExchange.Redis's threads";
}
