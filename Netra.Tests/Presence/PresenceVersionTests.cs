using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using Netra.Contracts.Realtime;
using Netra.Server.Presence;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Presence;

/// <summary>
/// The presence clock of both stores (in memory, and in a real Redis shared by two nodes): every change of a user gets
/// a version above the user's earlier ones, a read's version sits between the changes it reflects and the later ones,
/// and versions keep growing across a restart of the node or a Redis that lost its data.
/// </summary>
public sealed class PresenceVersionTests : IAsyncLifetime
{
    private OwnRedis redis = null!;

    public async Task InitializeAsync() => redis = await OwnRedis.StartAsync();

    public async Task DisposeAsync() => await redis.DisposeAsync();

    [Fact]
    public async Task EveryChangeOfTheMemoryStoreHasALaterVersionAndAReadSitsBetween() =>
        await ChangesAreOrderedAsync(new LocalPresenceStore(TimeProvider.System), new LocalPresenceStore(TimeProvider.System), shared: false);

    [Fact]
    public async Task EveryChangeOnEitherNodeThroughRedisHasALaterVersionAndAReadSitsBetween() =>
        await ChangesAreOrderedAsync(RedisStore(), RedisStore(), shared: true);

    [Fact]
    public async Task VersionsKeepGrowingAfterRedisLostItsData()
    {
        var store = RedisStore();
        var before = (await store.AddConnectionAsync(1, "c1", CancellationToken.None))!.Value;

        await redis.Server.FlushAllDatabasesAsync();

        (await store.AddConnectionAsync(1, "c1", CancellationToken.None)).Should().BeGreaterThan(before);
        (await store.GetOnlineAsync(CancellationToken.None)).Version.Should().BeGreaterThan(before);
    }

    [Fact]
    public async Task ARestartedNodesVersionsAreAboveItsLastRuns()
    {
        // The clock stands still while the first run makes its changes: each still gets a later version.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var first = new LocalPresenceStore(time);
        var last = 0L;
        for (var i = 0; i < 1000; i++)
        {
            var online = (await first.AddConnectionAsync(1, "c", CancellationToken.None))!.Value;
            online.Should().BeGreaterThan(last);
            last = (await first.RemoveConnectionAsync(1, "c"))!.Value;
            last.Should().BeGreaterThan(online);
        }

        // A restart takes longer than a second.
        time.Advance(TimeSpan.FromSeconds(1));
        var restarted = new LocalPresenceStore(time);
        (await restarted.GetOnlineAsync(CancellationToken.None)).Version.Should().BeGreaterThan(last);
        (await restarted.AddConnectionAsync(1, "c", CancellationToken.None)).Should().BeGreaterThan(last);
    }

    // Two nodes' stores (the same store twice where nothing is shared): a user's changes alternate between them.
    private static async Task ChangesAreOrderedAsync(IPresenceStore node1, IPresenceStore node2, bool shared)
    {
        var other = shared ? node2 : node1;
        var online = (await node1.AddConnectionAsync(5, "a", CancellationToken.None))!.Value;
        (await other.AddConnectionAsync(5, "b", CancellationToken.None)).Should().BeNull("the user was online already");
        var away = (await other.SetStatusAsync(5, PresenceStatus.Away, CancellationToken.None))!.Value;
        (await node1.SetStatusAsync(5, PresenceStatus.Away, CancellationToken.None)).Should().BeNull("nothing changed");
        (await node2.SetStatusAsync(6, PresenceStatus.Away, CancellationToken.None)).Should().BeNull("user 6 is not online");

        var read = await node1.GetOnlineAsync(CancellationToken.None);
        (await node1.RemoveConnectionAsync(5, "a")).Should().BeNull("the user still has a connection");
        var back = (await other.SetStatusAsync(5, PresenceStatus.Online, CancellationToken.None))!.Value;
        var offline = (await other.RemoveConnectionAsync(5, "b"))!.Value;
        (await other.RemoveConnectionAsync(5, "b")).Should().BeNull("removing twice changes nothing");

        new[] { online, away, read.Version, back, offline }.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        read.Online.Should().Equal(new Dictionary<long, string> { [5] = PresenceStatus.Away });
        online.Should().BeGreaterThan((DateTimeOffset.UtcNow.AddMinutes(-1) - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond, "the clock starts at the time in microseconds");
    }

    private RedisPresenceStore RedisStore() => redis.PresenceStore();
}
