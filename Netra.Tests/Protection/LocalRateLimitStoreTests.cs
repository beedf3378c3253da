using FluentAssertions;
using Netra.Server.Protection;
using Xunit;

namespace Netra.Tests.Protection;

/// <summary>
/// The single-node rate-limit store on a clock the test moves: counts per second of the minute, never more than the
/// limit in any minute, a refusal at most a second longer than an exact log's, and memory that does not grow with
/// the limit.
/// </summary>
public sealed class LocalRateLimitStoreTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task RefusesAtTheLimitAndSaysWhenTheOldestSecondLeavesTheMinute()
    {
        var clock = new ManualClock();
        var store = new LocalRateLimitStore(clock);
        clock.Advance(TimeSpan.FromSeconds(100.25)); // inside second 100
        (await Acquire(store, "k", 3)).Allowed.Should().BeTrue();
        clock.Advance(TimeSpan.FromSeconds(10));
        (await Acquire(store, "k", 3)).Allowed.Should().BeTrue();
        (await Acquire(store, "k", 3)).Allowed.Should().BeTrue();
        clock.Advance(TimeSpan.FromSeconds(20)); // 130.25

        var refused = await Acquire(store, "k", 3);
        refused.Allowed.Should().BeFalse();
        // Second 100 ends at 101 and counts until 161: 30.75 s from now (an exact log would say 30 s).
        refused.RetryAfter.Should().Be(TimeSpan.FromSeconds(30.75));
        (await Acquire(store, "other", 3)).Allowed.Should().BeTrue("each key has its own count");

        clock.Advance(TimeSpan.FromSeconds(30.5));
        (await Acquire(store, "k", 3)).Allowed.Should().BeFalse("second 100 is still in the window");
        clock.Advance(TimeSpan.FromSeconds(0.25)); // 161
        (await Acquire(store, "k", 3)).Allowed.Should().BeTrue();
        (await Acquire(store, "k", 3)).Allowed.Should().BeFalse("seconds 110 and 161 hold three calls");
    }

    [Fact]
    public async Task ARefusalWaitsForAsManyOldSecondsAsItTakesToGetUnderALoweredLimit()
    {
        var clock = new ManualClock();
        var store = new LocalRateLimitStore(clock);
        foreach (var second in new[] { 0, 5, 5, 9 })
        {
            clock.Set(TimeSpan.FromSeconds(second));
            (await Acquire(store, "k", 10)).Allowed.Should().BeTrue();
        }

        clock.Set(TimeSpan.FromSeconds(20));
        // Limit 2 now (options reloaded): four counted, so seconds 0 and 5 must both leave; 5 counts until 66.
        (await Acquire(store, "k", 2)).RetryAfter.Should().Be(TimeSpan.FromSeconds(46));
    }

    [Fact]
    public async Task NoMinuteEverHoldsMoreThanTheLimitAndNoRefusalComesFromCallsOlderThanAMinuteAndASecond()
    {
        const int limit = 7;
        var clock = new ManualClock();
        var store = new LocalRateLimitStore(clock);
        var random = new Random(20261205);
        var allowed = new List<TimeSpan>();
        var refusals = 0;
        for (var call = 0; call < 3_000; call++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 400)));
            var decision = await Acquire(store, "k", limit);
            var now = clock.Elapsed;
            if (decision.Allowed)
            {
                allowed.Count(t => t > now - Minute).Should().BeLessThan(limit, "the window before call {0} was full", call);
                allowed.Add(now);
            }
            else
            {
                refusals++;
                allowed.Count(t => t > now - Minute - TimeSpan.FromSeconds(1)).Should().BeGreaterThanOrEqualTo(limit, "call {0} was refused", call);
                decision.RetryAfter.Should().BePositive().And.BeLessThanOrEqualTo(Minute + TimeSpan.FromSeconds(1));
            }
        }

        refusals.Should().BeGreaterThan(1_000, "the calls came faster than the limit");
        allowed.Should().HaveCountGreaterThan(50);
    }

    [Fact]
    public async Task AKeyHoldsOneCountPerSecondOfTheWindowHoweverHighItsLimit()
    {
        var clock = new ManualClock();
        var store = new LocalRateLimitStore(clock);
        // Three minutes of 200 calls a second under a limit of a million: an exact log would hold 12,000 times.
        for (var call = 0; call < 36_000; call++)
        {
            (await Acquire(store, "busy", 1_000_000)).Allowed.Should().BeTrue();
            clock.Advance(TimeSpan.FromMilliseconds(5));
        }

        store.SlicesHeld("busy").Should().BeLessThanOrEqualTo(IRateLimitStore.SlicesPerWindow + 1);
        for (var call = 0; call < 3; call++)
        {
            (await Acquire(store, "few", 1_000_000)).Allowed.Should().BeTrue();
            clock.Advance(TimeSpan.FromSeconds(7));
        }

        store.SlicesHeld("few").Should().Be(3, "a key holds no more counts than calls");
    }

    [Fact]
    public async Task KeysIdleForAWholeWindowAreDroppedAndCountFromZeroAfter()
    {
        var clock = new ManualClock();
        var store = new LocalRateLimitStore(clock);
        (await Acquire(store, "idle", 1)).Allowed.Should().BeTrue();
        clock.Advance(TimeSpan.FromSeconds(30));
        (await Acquire(store, "busy", 100)).Allowed.Should().BeTrue();
        clock.Advance(TimeSpan.FromSeconds(40)); // 70 s: "idle" has been out of its window for 9 s, "busy" has not
        (await Acquire(store, "busy", 100)).Allowed.Should().BeTrue();

        store.KeyCount.Should().Be(1);
        (await Acquire(store, "idle", 1)).Allowed.Should().BeTrue();
        (await Acquire(store, "idle", 1)).Allowed.Should().BeFalse();
    }

    [Fact]
    public async Task CallsFromManyThreadsAtOnceAreAllCounted()
    {
        var clock = new ManualClock();
        var store = new LocalRateLimitStore(clock);
        var admitted = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 2_000), async (_, _) =>
        {
            if ((await Acquire(store, "shared", 500)).Allowed)
            {
                Interlocked.Increment(ref admitted);
            }
        });

        admitted.Should().Be(500);
    }

    private static async Task<RateLimitDecision> Acquire(LocalRateLimitStore store, string key, int limit) =>
        await store.TryAcquireAsync(key, limit, Minute, CancellationToken.None);

    /// <summary>A clock that moves only when told, in TimeSpan ticks.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long ticks;

        public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref ticks));

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);

        public void Set(TimeSpan at) => Interlocked.Exchange(ref ticks, at.Ticks);
    }
}
