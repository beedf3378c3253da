using System.Globalization;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Netra.Server.Backplane;
using Netra.Server.Protection;
using Netra.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace Netra.Tests.Protection;

/// <summary>
/// The scaled-out rate-limit store against a real Redis: two nodes' stores share one count, a refusal says when to
/// retry, and a key's hash holds a count per second whatever the limit, not an entry per call.
/// </summary>
public sealed class RedisRateLimitStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly string prefix = $"rl{Guid.NewGuid():N}";
    private readonly RedisConnections connections = new();
    private RedisServer redis = null!;

    public async Task InitializeAsync() => redis = await RedisServer.SharedAsync();

    public Task DisposeAsync() => connections.CloseAllAsync();

    [Fact]
    public async Task TwoNodesCountAgainstOneWindowAndARefusalSaysWhenToRetry()
    {
        var nodeA = Store();
        var nodeB = Store();
        for (var i = 0; i < 10; i++)
        {
            (await (i % 2 == 0 ? nodeA : nodeB).TryAcquireAsync("msg:1", 10, Minute, CancellationToken.None)).Allowed.Should().BeTrue();
        }

        foreach (var node in new[] { nodeA, nodeB })
        {
            var refused = await node.TryAcquireAsync("msg:1", 10, Minute, CancellationToken.None);
            refused.Allowed.Should().BeFalse();
            refused.RetryAfter.Should().BeGreaterThan(TimeSpan.FromSeconds(58)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(61));
        }

        (await nodeB.TryAcquireAsync("msg:2", 10, Minute, CancellationToken.None)).Allowed.Should().BeTrue("each key has its own count");
    }

    [Fact]
    public async Task AKeyIsAHashOfCountsPerSecondThatExpiresWithItsWindow()
    {
        var store = Store();
        for (var i = 0; i < 3_000; i++)
        {
            (await store.TryAcquireAsync("call:7", 1_000_000, Minute, CancellationToken.None)).Allowed.Should().BeTrue();
        }

        var database = (await Connection().GetAsync(CancellationToken.None)).GetDatabase();
        var key = (RedisKey)$"{prefix}:ratelimit:slices:call:7";
        var held = (await database.HashGetAllAsync(key)).ToDictionary(entry => (string)entry.Name!, entry => (long)entry.Value);
        held.Remove("oldest");
        held.Remove("total", out var total).Should().BeTrue();
        total.Should().Be(3_000);
        held.Should().HaveCountLessThanOrEqualTo(IRateLimitStore.SlicesPerWindow + 1, "one field per second the calls were made in, not one per call")
            .And.Subject.Values.Sum().Should().Be(3_000);
        (await database.KeyTimeToLiveAsync(key)).Should().NotBeNull()
            .And.Subject!.Value.Should().BeGreaterThan(TimeSpan.FromSeconds(55)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(61));
    }

    [Fact]
    public async Task SecondsThatLeftTheWindowAreDeletedAndStopCounting()
    {
        var store = Store();
        var database = (await Connection().GetAsync(CancellationToken.None)).GetDatabase();
        var key = (RedisKey)$"{prefix}:ratelimit:slices:connect:10.0.0.1";
        var now = (long)(await database.ScriptEvaluateAsync("local t = redis.call('TIME') return tonumber(t[1])", [], []));
        // Calls a node counted 90 and 61 s ago (out of the window), and 30 s ago (in it).
        await database.HashSetAsync(key, [new(now - 90, 5), new(now - 61, 5), new(now - 30, 2), new("total", 12), new("oldest", now - 90)]);

        (await store.TryAcquireAsync("connect:10.0.0.1", 3, Minute, CancellationToken.None)).Allowed.Should().BeTrue();
        var refused = await store.TryAcquireAsync("connect:10.0.0.1", 3, Minute, CancellationToken.None);
        refused.Allowed.Should().BeFalse();
        // Counted: 2 in second now-30 and 1 in the current second; the limit of 3 has room once now-30 leaves, at now+31.
        refused.RetryAfter.Should().BeGreaterThan(TimeSpan.FromSeconds(29)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(31));
        var held = (await database.HashGetAllAsync(key)).ToDictionary(entry => (string)entry.Name!, entry => (long)entry.Value);
        held.Should().HaveCount(4).And.Contain(Seconds(now - 30), 2).And.Contain("total", 3);
        // The second may have turned since TIME above.
        held.Keys.Should().Contain(key => key == Seconds(now) || key == Seconds(now + 1));
        held["oldest"].Should().BeInRange(now - 60, now - 59);
    }

    private static string Seconds(long value) => value.ToString(CultureInfo.InvariantCulture);

    private RedisRateLimitStore Store() => new(
        Connection(),
        Options.Create(new BackplaneOptions { ChannelPrefix = prefix }),
        new LocalRateLimitStore(TimeProvider.System),
        NullLogger<RedisRateLimitStore>.Instance);

    private RedisConnection Connection() => connections.Create(redis.ConnectionString);
}
