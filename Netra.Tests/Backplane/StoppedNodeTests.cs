using System.Globalization;
using FluentAssertions;
using Netra.Client;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Netra.Tests.Backplane;

/// <summary>
/// A rolling deploy: two nodes in processes of their own behind a TCP load balancer, sharing one Redis and one database;
/// one is stopped with SIGTERM mid-conversation, as an orchestrator stops it. Its clients reconnect through the other
/// node and miss nothing, and its users do not flap offline and online (<c>Netra:Presence:StopGraceSeconds</c>).
/// </summary>
public sealed class StoppedNodeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AStoppedNodesClientsReconnectThroughTheOtherNodeAndNothingIsLost()
    {
        await using var cluster = await ProcessCluster.StartAsync(2, new Dictionary<string, string?>
        {
            ["Netra:Presence:HeartbeatSeconds"] = "1",
            ["Netra:Presence:NodeTimeoutSeconds"] = "3",
            ["Netra:Presence:StopGraceSeconds"] = "3",
        });
        var (stopping, staying) = (cluster.Nodes[0], cluster.Nodes[1]);
        var api = new NetraApi(staying);
        var (alice, bob, carol, watcher) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"), await api.CreateUserAsync("carol"), await api.CreateUserAsync("watcher"));
        var chat = await api.CreateChatAsync(alice, bob);
        await using var watching = await UserClient.ConnectAsync(staying, watcher);
        await watching.SubscribeAsync(Channels.Presence);

        // Alice comes in through the balancer, which sends her to the first node: the one that will be stopped.
        await using var aliceClient = await UserClient.ConnectAsync(cluster.ThroughBalancer(alice.Token));
        await aliceClient.SubscribeAsync(Channels.Chat(chat.Id));
        (await watching.NextPresenceOfAsync(alice.Id)).IsOnline.Should().BeTrue();
        // Carol is on the stopping node only, and does not come back.
        var carolClient = await UserClient.ConnectAsync(stopping, carol);
        (await watching.NextPresenceOfAsync(carol.Id)).IsOnline.Should().BeTrue();
        await using var bobOnStaying = await UserClient.ConnectAsync(staying, bob);
        await bobOnStaying.SendAsync(chat.Id, "1");
        (await aliceClient.Messages.NextAsync()).Content.Should().Be("1");

        var stoppedAt = DateTime.UtcNow;
        await stopping.TerminateAsync();
        foreach (var content in new[] { "2", "3", "4" })
        {
            await bobOnStaying.SendAsync(chat.Id, content);
        }

        var exitCode = await stopping.ExitCodeAsync(TimeSpan.FromSeconds(40));
        output.WriteLine($"exited after {(DateTime.UtcNow - stoppedAt).TotalSeconds:0.0} s");
        output.WriteLine(stopping.Output.ToString());
        exitCode.Should().Be(0, "SIGTERM stops a node gracefully");
        (await aliceClient.States.NextAsync(change => change.State is NetraConnectionState.Connected or NetraConnectionState.Disconnected)).State
            .Should().Be(NetraConnectionState.Connected, "a stopped node's clients reconnect");
        await bobOnStaying.SendAsync(chat.Id, "5");
        (await aliceClient.Messages.TakeAsync(4)).Select(m => m.Content).Should().Equal("2", "3", "4", "5");
        (await aliceClient.Messages.StaysQuietAsync()).Should().BeTrue("each message reaches alice once");
        output.WriteLine($"alice had them after {(DateTime.UtcNow - stoppedAt).TotalSeconds:0.0} s");

        // Carol goes offline once the stopping node's grace is over and the other node swept it; alice, back through the
        // other node meanwhile, never went offline.
        var carolOffline = await watching.NextPresenceOfAsync(carol.Id);
        var sweptAt = DateTimeOffset.UtcNow;
        output.WriteLine($"carol offline after {(DateTime.UtcNow - stoppedAt).TotalSeconds:0.0} s");
        carolOffline.IsOnline.Should().BeFalse();
        carolOffline.LastSeen.Should().BeBefore(sweptAt.AddSeconds(-1), "carol was last connected when her node stopped, the grace (3 s) before the sweep");
        (await watching.PresenceOfWithinQuietAsync(alice.Id)).Should().BeEmpty("alice moved nodes without going offline");
        stopping.Output.ToString().Should().Contain("Stopping: this node's connections stay in presence for 3 s");
        await carolClient.DisposeAsync();    }

    [Fact]
    public async Task SendsInFlightWhenTheirNodeStopsAreStoredOnceEachInTheirOrder()
    {
        await using var cluster = await ProcessCluster.StartAsync(2, new Dictionary<string, string?> { ["Netra:Limits:MessagesPerMinute"] = "10000" });
        var (stopping, staying) = (cluster.Nodes[0], cluster.Nodes[1]);
        var api = new NetraApi(staying);
        var (alice, bob) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"));
        var chat = await api.CreateChatAsync(alice, bob);
        await using var aliceClient = await UserClient.ConnectAsync(staying, alice);
        await aliceClient.SubscribeAsync(Channels.Chat(chat.Id));

        // Bob comes in through the balancer, to the node that will be stopped, and keeps sending as it stops.
        await using var bobClient = await UserClient.ConnectAsync(cluster.ThroughBalancer(bob.Token));
        var contents = Enumerable.Range(1, 60).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
        var sends = new List<Task<ChatMessage>>();
        foreach (var content in contents)
        {
            sends.Add(bobClient.Client.SendMessageAsync(chat.Id, content));
            if (content == "20")
            {
                await sends[^1].WaitAsync(TestTimeouts.Network);
                await stopping.TerminateAsync();
            }
        }

        var stored = await Task.WhenAll(sends).WaitAsync(TestTimeouts.Network);
        (await stopping.ExitCodeAsync(TimeSpan.FromSeconds(40))).Should().Be(0);

        bobClient.Client.Stats.ReconnectCount.Should().Be(1, "bob's sends after the stop went through the other node");
        stored.Select(m => m.Content).Should().Equal(contents, "each send completes with its own message");
        stored.Select(m => m.Seq).Should().BeInAscendingOrder("the messages were stored in the order bob sent them");
        (await api.GetMessagesAsync(bob, chat.Id, "?limit=100")).Select(m => m.Content).Should().Equal(contents, "each stored once, in bob's order");
        (await aliceClient.Messages.TakeAsync(contents.Count)).Select(m => m.Content).Should().Equal(contents);
        (await aliceClient.Messages.StaysQuietAsync()).Should().BeTrue("each message reaches alice once");
    }
}
