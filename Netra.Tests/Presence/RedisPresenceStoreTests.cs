using FluentAssertions;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Netra.Server.Presence;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Presence;

/// <summary>
/// A node writing its connections again (<see cref="RedisPresenceStore.ResyncAsync"/>, after Redis lost a change) while
/// connections close and open, against a real Redis of the test's own. The connection list is read from inside the
/// resync, as the node's monitor does; each test makes its change there, so that the change's own script runs before the
/// resync's: the order in which the resync used to undo it.
/// </summary>
public sealed class RedisPresenceStoreTests : IAsyncLifetime
{
    private OwnRedis redis = null!;
    private RedisPresenceStore store = null!;

    public async Task InitializeAsync()
    {
        redis = await OwnRedis.StartAsync();
        store = redis.PresenceStore();
    }

    public async Task DisposeAsync() => await redis.DisposeAsync();

    [Fact]
    public async Task AConnectionThatClosesWhileTheNodeResyncsStaysOffline()
    {
        var online = (await store.AddConnectionAsync(7, "c7", CancellationToken.None))!.Value;

        var changes = await store.ResyncAsync(
            () =>
            {
                // The list still holds c7; it closes now, and its removal reaches Redis before the resync does.
                IReadOnlyList<(string ConnectionId, string UserId)> listed = [("c7", "7")];
                store.RemoveConnectionAsync(7, "c7").AsTask().GetAwaiter().GetResult().Should().BeGreaterThan(online);
                return listed;
            },
            CancellationToken.None);

        (await store.GetOnlineAsync(CancellationToken.None)).Online.Should().NotContainKey(7);
        (await store.GetConnectionsAsync(7, CancellationToken.None)).Should().BeEmpty();
        changes[^1].Should().BeEquivalentTo(new { UserId = 7L, Online = false }, "whatever the resync announced for user 7, the last word is that they went offline");
        changes.Select(change => change.Version).Should().BeInAscendingOrder().And.OnlyContain(version => version > online);
    }

    [Fact]
    public async Task AConnectionThatOpensWhileTheNodeResyncsStaysOnline()
    {
        var changes = await store.ResyncAsync(
            () =>
            {
                // The list was read before c8 opened; c8's add reaches Redis before the resync does.
                IReadOnlyList<(string ConnectionId, string UserId)> listed = [];
                store.AddConnectionAsync(8, "c8", CancellationToken.None).AsTask().GetAwaiter().GetResult().Should().BePositive();
                return listed;
            },
            CancellationToken.None);

        (await store.GetOnlineAsync(CancellationToken.None)).Online.Should().ContainKey(8);
        (await store.GetConnectionsAsync(8, CancellationToken.None)).Should().Equal("c8");
        changes[^1].Should().BeEquivalentTo(new { UserId = 8L, Online = true });
    }

    [Fact]
    public async Task AResyncWithNothingChangingMeanwhileWritesTheListAsItIs()
    {
        (await store.AddConnectionAsync(1, "stale", CancellationToken.None)).Should().BePositive();

        var changes = await store.ResyncAsync(() => [("c2", "2")], CancellationToken.None);

        changes.Should().BeEquivalentTo(new[] { new { UserId = 1L, Online = false }, new { UserId = 2L, Online = true } });
        (await store.GetOnlineAsync(CancellationToken.None)).Online.Keys.Should().Equal(2);
    }

    [Fact]
    public async Task AStoppingNodesClosedConnectionsStayUntilItsHeartbeatExpiresAndTheSweepTakesOutOnlyTheUsersNotBackElsewhere()
    {
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var stopping = redis.PresenceStore(lifetime);
        await stopping.HeartbeatAsync(CancellationToken.None);
        await stopping.AddConnectionAsync(1, "gone", CancellationToken.None);
        await stopping.AddConnectionAsync(2, "moving", CancellationToken.None);

        lifetime.StopApplication();
        (await stopping.RemoveConnectionAsync(1, "gone")).Should().BeNull("a stopping node leaves its connections to the sweep");
        (await stopping.RemoveConnectionAsync(2, "moving")).Should().BeNull();
        (await store.AddConnectionAsync(2, "moved", CancellationToken.None)).Should().BeNull("user 2 never went offline");
        (await store.GetOnlineAsync(CancellationToken.None)).Online.Keys.Should().BeEquivalentTo([1L, 2L]);
        (await store.SweepDeadNodesAsync(CancellationToken.None)).Should().BeEmpty("the stopping node's heartbeat has not expired yet");

        var beforeStop = await redis.MillisecondsAsync();
        await stopping.ExpireHeartbeatAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        var afterStop = await redis.MillisecondsAsync();
        var swept = new List<PresenceChange>();
        await Eventually.UntilAsync(async () =>
        {
            swept.AddRange(await store.SweepDeadNodesAsync(CancellationToken.None));
            return swept.Count > 0;
        });

        swept.Should().ContainSingle().Which.Should().BeEquivalentTo(new { UserId = 1L, Online = false });
        swept[0].LastSeen!.Value.ToUnixTimeMilliseconds().Should().BeInRange(beforeStop, afterStop, "user 1 was last connected when the node stopped, not when it was swept");
        (await store.GetOnlineAsync(CancellationToken.None)).Online.Keys.Should().Equal(2L);
        (await store.GetConnectionsAsync(2, CancellationToken.None)).Should().Equal("moved");
    }

    [Fact]
    public async Task AKilledNodesUsersAreLastSeenAtItsLastHeartbeat()
    {
        var killed = redis.PresenceStore(presence: new PresenceOptions { HeartbeatSeconds = 1, NodeTimeoutSeconds = 2 });
        await killed.AddConnectionAsync(3, "c3", CancellationToken.None);
        var beforeBeat = await redis.MillisecondsAsync();
        await killed.HeartbeatAsync(CancellationToken.None);
        var afterBeat = await redis.MillisecondsAsync();

        // It beats no more: its heartbeat expires after NodeTimeoutSeconds, and another node's sweep takes its users out.
        var swept = new List<PresenceChange>();
        await Eventually.UntilAsync(async () =>
        {
            swept.AddRange(await store.SweepDeadNodesAsync(CancellationToken.None));
            return swept.Count > 0;
        });

        swept.Should().ContainSingle().Which.UserId.Should().Be(3);
        swept[0].LastSeen!.Value.ToUnixTimeMilliseconds().Should().BeInRange(beforeBeat, afterBeat);
    }
}
