using System.Net.Http.Json;
using FluentAssertions;
using Netra.Client;
using Netra.Contracts;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Netra.Tests.Backplane;

/// <summary>
/// Two nodes in processes of their own, behind a TCP load balancer, sharing one Redis and one database. One is
/// killed with SIGKILL mid-conversation: it closes nothing and tells Redis nothing.
/// </summary>
public sealed class KilledNodeTests(ITestOutputHelper output)
{
    /// <summary>The default heartbeat (5 s) and node timeout (15 s) promise offline within 20 s; the issue allows 30.</summary>
    private static readonly TimeSpan OfflineWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AKilledNodesUsersGoOfflineItsClientsCarryOnThroughTheOtherNodeAndNoStoredMessageIsLost()
    {
        await using var cluster = await ProcessCluster.StartAsync(2);
        var (doomed, survivor) = (cluster.Nodes[0], cluster.Nodes[1]);
        var api = new NetraApi(survivor);
        var (alice, bob, dave, watcher) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"), await api.CreateUserAsync("dave"), await api.CreateUserAsync("watcher"));
        var chat = await api.CreateChatAsync(alice, bob);

        await using var watching = await UserClient.ConnectAsync(survivor, watcher);
        await watching.SubscribeAsync(Channels.Presence);
        await using var daveOnDoomed = await UserClient.ConnectAsync(doomed, dave);
        var daveOnline = await watching.NextPresenceOfAsync(dave.Id);
        daveOnline.IsOnline.Should().BeTrue("dave's node announced him across nodes");

        // Alice comes in through the balancer, which sends her to the first node: the one that will die.
        await using var aliceClient = await UserClient.ConnectAsync(cluster.ThroughBalancer(alice.Token));
        await aliceClient.SubscribeAsync(Channels.Chat(chat.Id));
        await using var bobOnSurvivor = await UserClient.ConnectAsync(survivor, bob);
        foreach (var content in new[] { "1", "2", "3" })
        {
            await bobOnSurvivor.SendAsync(chat.Id, content);
        }

        (await aliceClient.Messages.TakeAsync(3)).Select(m => m.Content).Should().Equal("1", "2", "3");

        doomed.Kill();
        var killedAt = DateTime.UtcNow;
        foreach (var content in new[] { "4", "5", "6" })
        {
            await bobOnSurvivor.SendAsync(chat.Id, content); // stored while alice is cut off
        }

        var offline = await watching.NextPresenceOfAsync(dave.Id, OfflineWithin);
        offline.Should().BeEquivalentTo(new { IsOnline = false, Status = PresenceStatus.Offline });
        offline.Version.Should().BeGreaterThan(daveOnline.Version, "the survivor's sweep announces a later change than the dead node's");
        output.WriteLine($"dave went offline {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after his node was killed");

        await aliceClient.WaitForStateAsync(NetraConnectionState.Connected);
        await bobOnSurvivor.SendAsync(chat.Id, "7");
        var received = await aliceClient.Messages.TakeAsync(4);
        received.Select(m => m.Content).Should().Equal("4", "5", "6", "7");
        received.Select(m => m.Seq).Should().Equal(4, 5, 6, 7);
        (await aliceClient.Messages.StaysQuietAsync()).Should().BeTrue("each message reaches alice once");
        (await api.GetMessagesAsync(bob, chat.Id)).Select(m => m.Content).Should().Equal("1", "2", "3", "4", "5", "6", "7");
        (await watching.PresenceOfWithinQuietAsync(alice.Id)).Should().NotContain(p => !p.IsOnline, "alice moved nodes without going offline");
        using var http = api.CreateClient(watcher);
        var online = await http.GetFromJsonAsync<List<PresenceChangedEvent>>("/api/presence", NetraApi.Json);
        online!.Select(p => p.UserId).Should().Contain(alice.Id).And.NotContain(dave.Id);
        survivor.HasExited.Should().BeFalse();
    }
}
