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
/// A node's leases on what its users hold (<see cref="RedisLeases"/>), against a real Redis of the test's own: the test
/// reads the server's count of script calls, which other tests' calls would add to on the shared one.
/// </summary>
public sealed class RedisLeasesTests : IAsyncLifetime
{
    private const string Kind = "connections";
    private const int Holdings = (2 * RedisLeases.RenewalsPerCall) + 88; // three calls' worth, the last one partly filled

    private readonly BackplaneOptions backplane = new();
    private OwnRedis redis = null!;

    public async Task InitializeAsync() => redis = await OwnRedis.StartAsync();

    public async Task DisposeAsync() => await redis.DisposeAsync();

    [Fact]
    public async Task ARenewalExtendsEveryLeaseOfTheNodeInAFewScriptCallsAndLeavesOutWhatIsNoLongerHeld()
    {
        using var leases = new RedisLeases(redis.Connect(), Options.Create(backplane), NullLogger<RedisLeases>.Instance);
        for (var i = 0; i < Holdings; i++)
        {
            // Two holdings per user: a key appears twice in a call, as a user with two tabs open makes it.
            (await leases.TryTakeAsync(Kind, UserOf(i), $"c{i}", max: 5, CancellationToken.None)).Should().BeTrue();
        }

        var database = redis.Database;
        var keys = await KeysAsync();
        keys.Should().HaveCount((Holdings + 1) / 2);
        // Every lease but a second from running out, and one holding gone as if its lease had run out already.
        var now = await redis.MillisecondsAsync();
        foreach (var key in keys)
        {
            foreach (var member in await database.SortedSetRangeByRankAsync(key))
            {
                await database.SortedSetAddAsync(key, member, now + 1_000, SortedSetWhen.Exists);
            }
        }

        var gone = keys[0];
        var goneMember = (await database.SortedSetRangeByRankAsync(gone))[0];
        await database.SortedSetRemoveAsync(gone, goneMember);
        await redis.Server.ConfigResetStatisticsAsync();

        var renewedFrom = await redis.MillisecondsAsync();
        await leases.RenewAsync();

        var lease = (long)RedisLeases.Lease.TotalMilliseconds;
        var renewed = 0;
        foreach (var key in keys)
        {
            foreach (var entry in await database.SortedSetRangeByRankWithScoresAsync(key))
            {
                entry.Score.Should().BeGreaterThanOrEqualTo(renewedFrom + lease, "the lease of {0} in {1} runs a whole lease from the renewal", entry.Element, key);
                renewed++;
            }

            (await database.KeyTimeToLiveAsync(key)).Should().BeGreaterThan(RedisLeases.Lease - TimeSpan.FromSeconds(5), "the set itself lives as long as its leases");
        }

        renewed.Should().Be(Holdings - 1);
        (await database.SortedSetScoreAsync(gone, goneMember)).Should().BeNull("a holding whose lease ran out is not brought back");
        (await redis.ScriptCallsAsync()).Should().Be((Holdings + RedisLeases.RenewalsPerCall - 1) / RedisLeases.RenewalsPerCall);
    }

    private static string UserOf(int holding) => (holding / 2).ToString(CultureInfo.InvariantCulture);

    private async Task<RedisKey[]> KeysAsync()
    {
        var keys = new List<RedisKey>();
        await foreach (var key in redis.Server.KeysAsync(pattern: $"{backplane.ChannelPrefix}:{Kind}:user:*"))
        {
            keys.Add(key);
        }

        return [.. keys];
    }
}
