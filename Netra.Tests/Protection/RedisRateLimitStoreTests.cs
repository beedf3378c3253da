using System.Globalization;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Netra.Server.Backplane;
using Netra.Server.Protection;
using Netra.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace Netra.Tests.Protection;

/// <summary>
/// The scaled-out rate-limit store against a real Redis of the test's own (the tests count the script calls it runs):
/// two nodes' stores share one count, a refusal says when to retry, a key's hash holds a count per second whatever the
/// limit, not an entry per call, and a busy key takes permits ahead without letting more calls in than its limit.
/// </summary>
public sealed class RedisRateLimitStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly string prefix = $"rl{Guid.NewGuid():N}";
    private OwnRedis redis = null!;

    public async Task InitializeAsync() => redis = await OwnRedis.StartAsync();

    public async Task DisposeAsync() => await redis.DisposeAsync();

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

        var key = (RedisKey)$"{prefix}:ratelimit:slices:call:7";
        var held = await CountsAsync(key);
        held.Remove("oldest");
        held.Remove("total", out var total).Should().BeTrue();
        // Permits taken ahead count too: every call, and at most a few asks' worth left unused (see the next test).
        total.Should().BeInRange(3_000, 4 * 3_000);
        held.Should().HaveCountLessThanOrEqualTo(IRateLimitStore.SlicesPerWindow + 1, "one field per second the calls were made in, not one per call")
            .And.Subject.Values.Sum().Should().Be(total);
        (await redis.Database.KeyTimeToLiveAsync(key)).Should().NotBeNull()
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

    [Fact]
    public async Task ABusyKeyAsksRedisAFewTimesASecondNotOncePerCall()
    {
        const int Calls = 600;
        const int Limit = 60_000; // a thousand permits a second on average: up to that many taken at a time
        var store = Store();
        var asksBefore = await redis.ScriptCallsAsync();
        for (var i = 0; i < Calls; i++)
        {
            (await store.TryAcquireAsync("call:8", Limit, Minute, CancellationToken.None)).Allowed.Should().BeTrue();
        }

        // Within a second the asks double (1, 2, 4, ... 512 covers 600 calls in ten); a second that turns meanwhile
        // starts from what the last one used. One call per ask, as before, would be 600.
        (await redis.ScriptCallsAsync() - asksBefore).Should().BeLessThanOrEqualTo(40);
        var counts = await CountsAsync($"{prefix}:ratelimit:slices:call:8");
        counts["total"].Should().BeInRange(Calls, 4 * Calls, "every call is counted, and what was taken ahead and not used stays counted");
    }

    [Fact]
    public async Task NodesThatTakePermitsAheadStillLetInNoMoreCallsThanTheLimit()
    {
        const int Limit = 607; // ten permits a second on average: up to ten taken at a time, and the last ask must take fewer
        var nodes = new[] { Store(), Store() };
        var admitted = 0;
        var refusedInARow = 0;
        for (var i = 0; refusedInARow < nodes.Length && i < 2 * Limit; i++)
        {
            var decision = await nodes[i % nodes.Length].TryAcquireAsync("call:9", Limit, Minute, CancellationToken.None);
            if (decision.Allowed)
            {
                admitted++;
                refusedInARow = 0;
            }
            else
            {
                decision.RetryAfter.Should().BeGreaterThan(TimeSpan.FromSeconds(55)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(61));
                refusedInARow++;
            }
        }

        refusedInARow.Should().Be(nodes.Length, "both nodes refuse once the window is full");
        (await CountsAsync($"{prefix}:ratelimit:slices:call:9"))["total"].Should().Be(Limit, "Redis never grants past the limit");
        // Permits a node held when their second ended went unused; each node leaves at most one ask's worth a second.
        admitted.Should().BeLessThanOrEqualTo(Limit).And.BeGreaterThan(Limit / 2);
    }

    [Fact]
    public async Task APermitTakenAheadIsNotUsedAfterTheSecondItWasCountedIn()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = Store(clock);
        for (var i = 0; i < 10 && store.PermitsHeld("call:10") == 0; i++)
        {
            (await store.TryAcquireAsync("call:10", 6_000, Minute, CancellationToken.None)).Allowed.Should().BeTrue();
        }

        store.PermitsHeld("call:10").Should().BePositive("a second ask in the same second takes two, and one is left");
        var asksBefore = await redis.ScriptCallsAsync();
        clock.Advance(TimeSpan.FromSeconds(1)); // on this node's clock the second Redis counted the held permit in is over

        (await store.TryAcquireAsync("call:10", 6_000, Minute, CancellationToken.None)).Allowed.Should().BeTrue();
        (await redis.ScriptCallsAsync()).Should().Be(asksBefore + 1, "the call asked Redis instead of taking the permit of a second gone by");
    }

    [Fact]
    public async Task AKeyIdleForAMinuteIsForgottenOnTheNextSweep()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = Store(clock);
        (await store.TryAcquireAsync("call:12", 6_000, Minute, CancellationToken.None)).Allowed.Should().BeTrue();
        store.KeysAhead.Should().Be(1);

        clock.Advance(TimeSpan.FromMinutes(2));
        (await store.TryAcquireAsync("call:13", 6_000, Minute, CancellationToken.None)).Allowed.Should().BeTrue();

        store.KeysAhead.Should().Be(1, "the sweep that call ran dropped the idle key; the new one is held");
    }

    [Fact]
    public async Task ALimitOfAtMostOneCallASecondAsksRedisForEveryCall()
    {
        var store = Store();
        var asksBefore = await redis.ScriptCallsAsync();
        for (var i = 0; i < 20; i++)
        {
            (await store.TryAcquireAsync("msg:11", 60, Minute, CancellationToken.None)).Allowed.Should().BeTrue();
        }

        (await redis.ScriptCallsAsync() - asksBefore).Should().Be(20);
        (await CountsAsync($"{prefix}:ratelimit:slices:msg:11"))["total"].Should().Be(20, "nothing is taken ahead: each call counts once");
        store.KeysAhead.Should().Be(0);
    }

    private static string Seconds(long value) => value.ToString(CultureInfo.InvariantCulture);

    private async Task<Dictionary<string, long>> CountsAsync(RedisKey key) =>
        (await redis.Database.HashGetAllAsync(key)).ToDictionary(entry => (string)entry.Name!, entry => (long)entry.Value);

    private RedisRateLimitStore Store(TimeProvider? time = null) => new(
        Connection(),
        Options.Create(new BackplaneOptions { ChannelPrefix = prefix }),
        new LocalRateLimitStore(TimeProvider.System),
        time ?? TimeProvider.System,
        NullLogger<RedisRateLimitStore>.Instance);

    private RedisConnection Connection() => redis.Connect();
}
