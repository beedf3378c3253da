using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Events;
using Netra.Contracts.Realtime;
using Netra.Server.Backplane;
using Netra.Server.Metrics;
using Netra.Server.Realtime;
using Netra.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace Netra.Tests.Backplane;

/// <summary>
/// What every scale-out <see cref="HubLifetimeManager{THub}"/> must do, like aspnetcore's
/// <c>ScaleoutHubLifetimeManagerTests</c>, run over real nodes, real WebSockets and a real Redis.
/// Sends go through a node's <c>IHubContext</c>, the way Netra's services send; users and their tabs are Netra.Client.
/// </summary>
/// <remarks>
/// The tests of a chat's delivery across nodes watch the wire (HubTestClient): they check that each connection's cursor
/// sends every message once and in seq order, which NetraClient would otherwise restore by itself.
/// </remarks>
public abstract class ScaleoutHubLifetimeManagerTests(ScaleoutFixture fixture)
{
    private const string NewMessage = nameof(INetraClient.NewMessage);

    private IReadOnlyList<NetraTestServer> Nodes => fixture.Nodes;

    private NetraTestServer First => Nodes[0];

    private NetraTestServer Last => Nodes[^1];

    [Fact]
    public void EveryNodeRunsNetrasRedisBackplane()
    {
        foreach (var node in Nodes)
        {
            node.Services.GetRequiredService<HubLifetimeManager<NetraHub>>().Should().BeOfType<NetraHubLifetimeManager<NetraHub>>();
        }
    }

    [Fact]
    public async Task SendAllFromAnyNodeReachesAConnectionOnEveryNode()
    {
        var user = await fixture.Api.CreateUserAsync("all");
        var clients = await ConnectOnEveryNodeAsync(user);
        try
        {
            foreach (var (sender, index) in Nodes.Select((n, i) => (n, i)))
            {
                await Hub(sender).Clients.All.ChannelEvent(Marker($"all-{index}")).WaitAsync(TestTimeouts.Network);
                foreach (var client in clients)
                {
                    await ExpectAsync(client.Client, $"all-{index}");
                }
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task SendAllExceptSkipsOnlyTheExcludedConnectionsWhereverTheyAre()
    {
        var user = await fixture.Api.CreateUserAsync("except");
        var clients = await ConnectOnEveryNodeAsync(user);
        try
        {
            var excluded = clients[^1];
            await Hub(First).Clients.AllExcept(excluded.ConnectionId).ChannelEvent(Marker("except")).WaitAsync(TestTimeouts.Network);

            foreach (var client in clients.Take(clients.Count - 1))
            {
                await ExpectAsync(client.Client, "except");
            }

            (await excluded.Client.ChannelEvents.StaysQuietAsync()).Should().BeTrue();
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task SendConnectionReachesAConnectionOnAnotherNodeAndNobodyElse()
    {
        var user = await fixture.Api.CreateUserAsync("conn");
        var clients = await ConnectOnEveryNodeAsync(user);
        try
        {
            var target = clients[^1];
            await Hub(First).Clients.Client(target.ConnectionId).ChannelEvent(Marker("direct")).WaitAsync(TestTimeouts.Network);

            await ExpectAsync(target.Client, "direct");
            foreach (var other in clients.Take(clients.Count - 1))
            {
                (await other.Client.ChannelEvents.StaysQuietAsync()).Should().BeTrue();
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task SendConnectionsReachesEachListedConnectionOnItsOwnNode()
    {
        var user = await fixture.Api.CreateUserAsync("conns");
        var clients = await ConnectOnEveryNodeAsync(user);
        await using var bystander = await ConnectAsync(First, user);
        try
        {
            await Hub(Last).Clients.Clients(clients.Select(c => c.ConnectionId).ToList()).ChannelEvent(Marker("listed")).WaitAsync(TestTimeouts.Network);

            foreach (var client in clients)
            {
                await ExpectAsync(client.Client, "listed");
            }

            (await bystander.Client.ChannelEvents.StaysQuietAsync()).Should().BeTrue();
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task SendGroupReachesMembersOnEveryNodeAndNobodyElse()
    {
        var user = await fixture.Api.CreateUserAsync("group");
        var members = await ConnectOnEveryNodeAsync(user);
        var outsiders = await ConnectOnEveryNodeAsync(user);
        try
        {
            var group = "group-" + Guid.NewGuid().ToString("N");
            foreach (var member in members)
            {
                await Hub(member.Node).Groups.AddToGroupAsync(member.ConnectionId, group).WaitAsync(TestTimeouts.Network);
            }

            foreach (var (sender, index) in Nodes.Select((n, i) => (n, i)))
            {
                await Hub(sender).Clients.Group(group).ChannelEvent(Marker($"group-{index}")).WaitAsync(TestTimeouts.Network);
                foreach (var member in members)
                {
                    await ExpectAsync(member.Client, $"group-{index}");
                }
            }

            foreach (var outsider in outsiders)
            {
                (await outsider.Client.ChannelEvents.StaysQuietAsync()).Should().BeTrue();
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(members.Concat(outsiders));
        }
    }

    [Fact]
    public async Task SendGroupExceptSkipsTheExcludedMemberOnAnotherNode()
    {
        var user = await fixture.Api.CreateUserAsync("gexcept");
        var members = await ConnectOnEveryNodeAsync(user);
        try
        {
            var group = "group-" + Guid.NewGuid().ToString("N");
            foreach (var member in members)
            {
                await Hub(member.Node).Groups.AddToGroupAsync(member.ConnectionId, group).WaitAsync(TestTimeouts.Network);
            }

            var excluded = members[^1];
            await Hub(First).Clients.GroupExcept(group, excluded.ConnectionId).ChannelEvent(Marker("group-except")).WaitAsync(TestTimeouts.Network);

            foreach (var member in members.Take(members.Count - 1))
            {
                await ExpectAsync(member.Client, "group-except");
            }

            (await excluded.Client.ChannelEvents.StaysQuietAsync()).Should().BeTrue();
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(members);
        }
    }

    [Fact]
    public async Task SendGroupsReachesTheMembersOfEveryListedGroupOnce()
    {
        var user = await fixture.Api.CreateUserAsync("groups");
        var members = await ConnectOnEveryNodeAsync(user);
        await using var unlisted = await ConnectAsync(Last, user);
        try
        {
            var groups = members.Select(_ => "group-" + Guid.NewGuid().ToString("N")).ToList();
            foreach (var (member, group) in members.Zip(groups))
            {
                await Hub(member.Node).Groups.AddToGroupAsync(member.ConnectionId, group).WaitAsync(TestTimeouts.Network);
            }

            await Hub(unlisted.Node).Groups.AddToGroupAsync(unlisted.ConnectionId, "unlisted-" + Guid.NewGuid().ToString("N")).WaitAsync(TestTimeouts.Network);
            await Hub(First).Clients.Groups(groups).ChannelEvent(Marker("groups")).WaitAsync(TestTimeouts.Network);

            foreach (var member in members)
            {
                await ExpectAsync(member.Client, "groups");
                (await member.Client.ChannelEvents.StaysQuietAsync()).Should().BeTrue("each member is in one listed group");
            }

            (await unlisted.Client.ChannelEvents.StaysQuietAsync()).Should().BeTrue();
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(members);
        }
    }

    [Fact]
    public async Task SendUserReachesEveryConnectionOfTheUserOnEveryNode()
    {
        var (alice, bob) = (await fixture.Api.CreateUserAsync("alice"), await fixture.Api.CreateUserAsync("bob"));
        var tabs = (await ConnectOnEveryNodeAsync(alice)).Concat(await ConnectOnEveryNodeAsync(alice)).ToList();
        var others = await ConnectOnEveryNodeAsync(bob);
        try
        {
            foreach (var (sender, index) in Nodes.Select((n, i) => (n, i)))
            {
                await Hub(sender).Clients.User(alice.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ChannelEvent(Marker($"user-{index}")).WaitAsync(TestTimeouts.Network);
                foreach (var tab in tabs)
                {
                    await ExpectAsync(tab.Client, $"user-{index}");
                }
            }

            foreach (var other in others)
            {
                (await other.Client.ChannelEvents.StaysQuietAsync()).Should().BeTrue();
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(tabs.Concat(others));
        }
    }

    [Fact]
    public async Task SendUsersReachesEveryListedUserOnEveryNode()
    {
        var users = new[] { await fixture.Api.CreateUserAsync("u1"), await fixture.Api.CreateUserAsync("u2") };
        var carol = await fixture.Api.CreateUserAsync("carol");
        var listed = (await ConnectOnEveryNodeAsync(users[0])).Concat(await ConnectOnEveryNodeAsync(users[1])).ToList();
        var unlisted = await ConnectOnEveryNodeAsync(carol);
        try
        {
            var ids = users.Select(u => u.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            await Hub(Last).Clients.Users(ids).ChannelEvent(Marker("users")).WaitAsync(TestTimeouts.Network);

            foreach (var client in listed)
            {
                await ExpectAsync(client.Client, "users");
            }

            foreach (var client in unlisted)
            {
                (await client.Client.ChannelEvents.StaysQuietAsync()).Should().BeTrue();
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(listed.Concat(unlisted));
        }
    }

    [Fact]
    public async Task AddToGroupForAConnectionOnAnotherNodeIsAcknowledgedAndTakesEffect()
    {
        var user = await fixture.Api.CreateUserAsync("remoteadd");
        await using var remote = await ConnectAsync(Last, user);
        var group = "group-" + Guid.NewGuid().ToString("N");

        // Completes only once the connection's node has acknowledged the join.
        await Hub(First).Groups.AddToGroupAsync(remote.ConnectionId, group).WaitAsync(TestTimeouts.Network);

        foreach (var sender in Nodes)
        {
            await Hub(sender).Clients.Group(group).ChannelEvent(Marker("joined")).WaitAsync(TestTimeouts.Network);
            await ExpectAsync(remote.Client, "joined");
        }
    }

    [Fact]
    public async Task RemoveFromGroupForAConnectionOnAnotherNodeIsAcknowledgedAndTakesEffect()
    {
        var user = await fixture.Api.CreateUserAsync("remoterm");
        await using var remote = await ConnectAsync(Last, user);
        await using var stays = await ConnectAsync(First, user);
        var group = "group-" + Guid.NewGuid().ToString("N");
        await Hub(Last).Groups.AddToGroupAsync(remote.ConnectionId, group).WaitAsync(TestTimeouts.Network);
        await Hub(First).Groups.AddToGroupAsync(stays.ConnectionId, group).WaitAsync(TestTimeouts.Network);
        await Hub(First).Clients.Group(group).ChannelEvent(Marker("before-leave")).WaitAsync(TestTimeouts.Network);
        await ExpectAsync(remote.Client, "before-leave");
        await ExpectAsync(stays.Client, "before-leave");

        await Hub(First).Groups.RemoveFromGroupAsync(remote.ConnectionId, group).WaitAsync(TestTimeouts.Network);
        await Hub(First).Clients.Group(group).ChannelEvent(Marker("after-leave")).WaitAsync(TestTimeouts.Network);

        await ExpectAsync(stays.Client, "after-leave");
        (await remote.Client.ChannelEvents.StaysQuietAsync()).Should().BeTrue();
    }

    [Fact]
    public async Task AGroupCommandForAConnectionNoNodeHoldsTimesOutWithAClearError()
    {
        var add = () => Hub(First).Groups.AddToGroupAsync("no-such-connection", "some-group").WaitAsync(TestTimeouts.Network);

        var error = await add.Should().ThrowAsync<TimeoutException>();
        error.Which.Message.Should().Contain("no-such-connection").And.Contain("not acknowledged");
    }

    [Fact]
    public async Task MembersSendingInTurnFromEveryNodeAreSeenInSeqOrderOnEveryNode()
    {
        var members = await CreateUsersAsync(Nodes.Count, "turn");
        var chat = await fixture.Api.CreateChatAsync(members[0], members[1..].ToArray());
        var clients = await ConnectWireMembersAsync(members, chat.Id);
        try
        {
            const int Rounds = 4;
            var sent = new List<ChatMessage>();
            for (var i = 0; i < Rounds * clients.Count; i++)
            {
                sent.Add(await clients[i % clients.Count].SendAsync(chat.Id, $"turn {i}"));
            }

            foreach (var client in clients)
            {
                var received = await ReceiveAsync(client, sent.Count);
                received.Select(m => m.Seq).Should().Equal(sent.Select(m => m.Seq), "each SendMessage completes its publish before the next starts");
                received.Should().BeEquivalentTo(sent, o => o.WithStrictOrdering());
                (await client.StaysQuietAsync(NewMessage)).Should().BeTrue("every message arrives exactly once");
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task MembersSendingConcurrentlyFromEveryNodeAreSeenExactlyOnceAndInSeqOrderOnEveryNode()
    {
        var members = await CreateUsersAsync(Nodes.Count, "burst");
        var chat = await fixture.Api.CreateChatAsync(members[0], members[1..].ToArray());
        var clients = await ConnectWireMembersAsync(members, chat.Id);
        try
        {
            const int PerSender = 10;
            var sent = (await Task.WhenAll(clients.Select(async (c, i) =>
            {
                var mine = new List<ChatMessage>();
                for (var n = 0; n < PerSender; n++)
                {
                    mine.Add(await c.SendAsync(chat.Id, $"{i}-{n}"));
                }

                return mine;
            }))).SelectMany(m => m).ToList();

            sent.Select(m => m.Seq).Order().Should().Equal(Enumerable.Range(1, sent.Count).Select(n => (long)n));
            foreach (var client in clients)
            {
                var received = await ReceiveAsync(client, sent.Count);
                // Concurrent senders on different nodes may publish 6 before 5; each subscriber's cursor puts them back in order.
                received.Select(m => m.Seq).Should().Equal(Enumerable.Range(1, sent.Count).Select(n => (long)n));

                (await client.StaysQuietAsync(NewMessage)).Should().BeTrue("every message arrives exactly once");
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task ARunOfAChatsMessagesReachesEachMemberOnEveryNodeAsOneWebSocketMessageInSeqOrder()
    {
        var (chat, clients) = await RawMembersOfNewChatAsync("run");
        try
        {
            await SendRunAsync(First, chat, Messages(chat, 1, 3));

            foreach (var client in clients)
            {
                var records = await client.NextInvocationsAsync(NewMessage);
                records.Select(RawHubClient.SeqOf).Should().Equal([1L, 2L, 3L], "the run is one write to each connection, in seq order");
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task AMemberThatHasPartOfARunGetsTheRestOnceAndARunAfterAGapWaitsForTheMissingSeq()
    {
        var (chat, clients) = await RawMembersOfNewChatAsync("partrun");
        try
        {
            await Hub(First).Clients.Group(Channels.Chat(chat)).NewMessage(Messages(chat, 1, 1)[0]).WaitAsync(TestTimeouts.Network);
            await SendRunAsync(First, chat, Messages(chat, 1, 3));
            await SendRunAsync(Last, chat, Messages(chat, 5, 6));
            await Hub(Last).Clients.Group(Channels.Chat(chat)).NewMessage(Messages(chat, 4, 4)[0]).WaitAsync(TestTimeouts.Network);

            foreach (var client in clients)
            {
                var seqs = new List<long>();
                while (seqs.Count < 6)
                {
                    seqs.AddRange((await client.NextInvocationsAsync(NewMessage)).Select(RawHubClient.SeqOf));
                }

                seqs.Should().Equal([1L, 2L, 3L, 4L, 5L, 6L], "seq 1 of the run was sent already, and 5 and 6 waited for 4");
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task AChatWithMoreConnectionsOnANodeThanOneWriteTurnGetsEveryMessageOnceAndInSeqOrder()
    {
        // Each node writes to its connections in turns of WritesPerTurn and lets other work run between turns; two
        // senders on different nodes keep several runs of the chat in flight meanwhile.
        var perNode = NetraHubLifetimeManager<NetraHub>.WritesPerTurn + 6;
        var users = await CreateUsersAsync(12, "turns");
        var chat = await fixture.Api.CreateChatAsync(users[0], users[1..].ToArray());
        var clients = new List<RawHubClient>();
        await using var first = await UserClient.ConnectAsync(First, users[0]);
        await using var last = await UserClient.ConnectAsync(Last, users[1]);
        try
        {
            for (var i = 0; i < perNode * Nodes.Count; i++)
            {
                clients.Add(await ConnectSubscribedAsync(Nodes[i % Nodes.Count], users[i % users.Count], chat.Id));
            }

            const int eachSends = 12;
            await Task.WhenAll(new[] { first, last }.SelectMany(sender => Enumerable.Range(0, eachSends)
                .Select(i => sender.Client.SendMessageAsync(chat.Id, $"turn {i}")))).WaitAsync(TestTimeouts.Network);

            foreach (var client in clients)
            {
                var seqs = new List<long>();
                while (seqs.Count < 2 * eachSends)
                {
                    seqs.AddRange((await client.NextInvocationsAsync(NewMessage)).Select(RawHubClient.SeqOf));
                }

                seqs.Should().Equal(Enumerable.Range(1, 2 * eachSends).Select(seq => (long)seq), "every member connection gets each message once, in seq order");
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task RunsWaitingTogetherOnAGroupChannelGoOutJoinedOnceEachAndInSeqOrderAndAnUnreadableOneIsLeftOut()
    {
        // Another node's runs that come faster than a node delivers them wait in its channel's queue; the node takes them
        // together and writes consecutive ones to each connection as one. A burst published at once comes in one read of
        // Redis's socket, so some of it waits: bursts go until a node has joined some, each checked on every member.
        var (chat, clients) = await RawMembersOfNewChatAsync("joined");
        try
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString).WaitAsync(TestTimeouts.Network);
            var channel = new RedisChannel(Manager(First).Channels.Group(Channels.Chat(chat)), RedisChannel.PatternMode.Literal);
            var protocols = First.Services.GetRequiredService<IHubProtocolResolver>().AllProtocols;
            var joinedBefore = Nodes.Sum(Joined);
            var unreadableBefore = Nodes.Sum(node => node.Logs.Lines.Count(l => l.EventId.Id == 7020));
            long next = 1;
            var bursts = 0;
            while (bursts < 20 && Nodes.Sum(Joined) == joinedBefore)
            {
                // Runs of 2, 1, 1 and 3 seqs with bytes that are no invocation between them, then two runs of 12 long
                // messages (about 40 KB each), too large to join.
                var first = next;
                var payloads = new List<byte[]>();
                foreach (var size in new[] { 2, 1, 0, 1, 3, -12, -12 })
                {
                    if (size == 0)
                    {
                        payloads.Add([BackplaneMessages.FormatVersion, .. "not an envelope"u8]);
                        continue;
                    }

                    var count = Math.Abs(size);
                    var events = Messages(chat, next, next + count - 1, text: size < 0 ? new string('x', 3000) : null);
                    payloads.Add(BackplaneMessages.WriteInvocation("another-node", SerializedInvocation.Run(NewMessage, events, protocols), protocols));
                    next += count;
                }

                var subscriber = redis.GetSubscriber();
                await Task.WhenAll(payloads.Select(payload => subscriber.PublishAsync(channel, payload))).WaitAsync(TestTimeouts.Network);
                bursts++;
                var large = (First: first + 7, Second: first + 19);
                foreach (var client in clients)
                {
                    var seqs = new List<long>();
                    while (seqs.Count < 31)
                    {
                        var message = (await client.NextInvocationsAsync(NewMessage)).Select(RawHubClient.SeqOf).ToList();
                        message.Should().NotContain(seq => seq >= large.First && seq < large.Second && message.Contains(large.Second), "runs that would make a frame over 64 KB go alone");
                        seqs.AddRange(message);
                    }

                    seqs.Should().Equal(Enumerable.Range((int)first, 31).Select(seq => (long)seq), "each seq once, in order, on every node");
                }

                await Eventually.UntilAsync(() => Nodes.Sum(node => node.Logs.Lines.Count(l => l.EventId.Id == 7020)) == unreadableBefore + (bursts * Nodes.Count));
            }

            Nodes.Sum(Joined).Should().BeGreaterThan(joinedBefore, $"a node took runs together in {bursts} bursts");
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }

        static long Joined(NetraTestServer node) => node.Services.GetRequiredService<NetraMetrics>().Totals.GetValueOrDefault("backplane.receive_joined");
    }

    [Fact]
    public async Task ARunMustHaveConsecutiveSeqs()
    {
        var gap = Messages(1, 1, 3).Where(m => m.Seq != 2).ToArray();

        var send = () => Runs(First).SendGroupRunAsync(Channels.Chat(1), NewMessage, gap).AsTask();

        await send.Should().ThrowAsync<ArgumentException>().WithMessage("*consecutive seqs*");
    }

    [Fact]
    public async Task ANodeSubscribesAGroupChannelOnceWhileItHasLocalMembersAndDropsItAfterTheLastLeaves()
    {
        var user = await fixture.Api.CreateUserAsync("refcount");
        await using var one = await ConnectAsync(First, user);
        await using var two = await ConnectAsync(First, user);
        await using var far = await ConnectAsync(Last, user);
        var group = "group-" + Guid.NewGuid().ToString("N");
        var channel = Manager(First).Channels.Group(group);
        using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString).WaitAsync(TestTimeouts.Network);

        (await SubscribersAsync(redis, channel)).Should().Be(0);
        await Hub(First).Groups.AddToGroupAsync(one.ConnectionId, group).WaitAsync(TestTimeouts.Network);
        await Hub(First).Groups.AddToGroupAsync(two.ConnectionId, group).WaitAsync(TestTimeouts.Network);
        (await SubscribersAsync(redis, channel)).Should().Be(1, "two local members share one subscription");
        await Hub(First).Groups.AddToGroupAsync(far.ConnectionId, group).WaitAsync(TestTimeouts.Network);
        (await SubscribersAsync(redis, channel)).Should().Be(2, "the other node subscribes for its own member");

        await Hub(First).Groups.RemoveFromGroupAsync(one.ConnectionId, group).WaitAsync(TestTimeouts.Network);
        (await SubscribersAsync(redis, channel)).Should().Be(2);
        await Hub(First).Groups.RemoveFromGroupAsync(two.ConnectionId, group).WaitAsync(TestTimeouts.Network);
        (await SubscribersAsync(redis, channel)).Should().Be(1);
        await Hub(First).Groups.RemoveFromGroupAsync(far.ConnectionId, group).WaitAsync(TestTimeouts.Network);
        (await SubscribersAsync(redis, channel)).Should().Be(0);
    }

    [Fact]
    public async Task ConnectionsAndUsersNeedNoRedisSubscriptionOfTheirOwn()
    {
        // Sends to a user or to one connection travel on two node-wide channels (SendUser... and SendConnection...
        // above): a connect or a disconnect costs no SUBSCRIBE, and a node keeps no subscription, nor its queue, per
        // connection or per user.
        var clients = new List<NodeClient>();
        foreach (var user in await CreateUsersAsync(3, "nosub"))
        {
            clients.AddRange(await ConnectOnEveryNodeAsync(user));
        }

        try
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString).WaitAsync(TestTimeouts.Network);
            var channels = Manager(First).Channels;
            var root = channels.All[..^":all".Length];
            var open = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("PUBSUB", "CHANNELS", root + ":*").WaitAsync(TestTimeouts.Network))!;
            open.Select(channel => (string)channel!).Should().NotContain(channel => channel.Contains(":user:") || channel.Contains(":connection:"));
            (await SubscribersAsync(redis, channels.Users)).Should().Be(Nodes.Count);
            (await SubscribersAsync(redis, channels.Connections)).Should().Be(Nodes.Count);
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task MessagesOfAnotherBackplaneFormatAreDroppedAndSaidOncePerFormat()
    {
        // A rolling upgrade: nodes of another version publish on the same channels. Their messages are dropped with a
        // warning once per format, not an error per message, and the node's own traffic goes on.
        var errorsBefore = Nodes.Select(node => node.Logs.Lines.Count(l => l.EventId.Id == 7020)).ToList();
        await PublishRawThenSendAllAsync("format", [.. new byte[] { 4, 4, 4, 200, 200 }.Select(version => (byte[])[version, 1, 2, 3])]);

        foreach (var (node, errors) in Nodes.Zip(errorsBefore))
        {
            await Eventually.UntilAsync(() => node.Logs.Lines.Count(l => l.EventId.Id == 7022) == 2);
            var warnings = node.Logs.Lines.Where(l => l.EventId.Id == 7022).Select(l => l.Message).ToList();
            warnings.Should().ContainSingle(m => m.Contains("format 4 ", StringComparison.Ordinal));
            warnings.Should().ContainSingle(m => m.Contains("format 200 ", StringComparison.Ordinal));
            node.Logs.Lines.Count(l => l.EventId.Id == 7020).Should().Be(errors, "another version's message is no delivery error");
        }
    }

    [Fact]
    public async Task AnUnreadableBackplaneMessageIsLoggedAndTheNextOnesAreStillDelivered()
    {
        // This node's format, then bytes that are not an invocation.
        await PublishRawThenSendAllAsync("garbage", [[5, .. "not an envelope"u8]]);

        // Each node reads one channel in order, so the other nodes handled (and logged) the bad message before the
        // good one. The first node delivers its own send to its connections without Redis, so it may still be
        // reading the bad message when its client has the good one: it logs it once its reader gets there.
        foreach (var node in Nodes.Where(node => node != First))
        {
            node.Logs.Lines.Should().Contain(l => l.EventId.Id == 7020);
        }

        await Eventually.UntilAsync(() => First.Logs.Lines.Any(l => l.EventId.Id == 7020));
    }

    [Fact]
    public async Task PresenceIsAnnouncedOnceOnEveryNodeHoweverManyNodesTheUserIsOnAndEveryNodeListsTheSame()
    {
        var bob = await fixture.Api.CreateUserAsync("present");
        var watchers = new List<NodeClient>();
        var watcherUsers = await CreateUsersAsync(Nodes.Count, "watcher");
        foreach (var (node, user) in Nodes.Zip(watcherUsers))
        {
            var watcher = await ConnectAsync(node, user);
            await watcher.Client.SubscribeAsync(Channels.Presence);
            watchers.Add(watcher);
        }

        try
        {
            var tabs = await ConnectOnEveryNodeAsync(bob);
            foreach (var watcher in watchers)
            {
                (await watcher.Client.NextPresenceOfAsync(bob.Id)).Should().BeEquivalentTo(new { IsOnline = true, Status = PresenceStatus.Online });
                (await watcher.Client.PresenceOfWithinQuietAsync(bob.Id)).Should().BeEmpty("one user online once, however many nodes");
            }

            var expected = new[] { bob.Id }.Concat(watcherUsers.Select(w => w.Id)).ToHashSet();
            foreach (var node in Nodes)
            {
                using var http = new NetraApi(node).CreateClient(bob);
                var online = (await http.GetFromJsonAsync<List<PresenceChangedEvent>>("/api/presence", NetraApi.Json))!;
                online.Where(p => expected.Contains(p.UserId)).Select(p => p.UserId).Should().BeEquivalentTo(expected, "every node gives the same answer");
                online.Should().OnlyContain(p => p.IsOnline);
            }

            await AsyncDisposables.DisposeAllAsync(tabs[..^1]);
            (await watchers[0].Client.PresenceOfWithinQuietAsync(bob.Id)).Should().BeEmpty("bob is still on the last node");
            await tabs[^1].DisposeAsync();
            foreach (var watcher in watchers)
            {
                (await watcher.Client.NextPresenceOfAsync(bob.Id)).Should().BeEquivalentTo(new { IsOnline = false, Status = PresenceStatus.Offline });
                (await watcher.Client.PresenceOfWithinQuietAsync(bob.Id)).Should().BeEmpty("offline once");
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(watchers);
        }
    }

    [Fact]
    public async Task ASendRetriedOnAnotherNodeWithTheSameClientMessageIdReturnsTheStoredMessageAndBroadcastsNothingNew()
    {
        var members = await CreateUsersAsync(2, "retry");
        var chat = await fixture.Api.CreateChatAsync(members[0], members[1]);
        // The watcher is on the wire: NetraClient would drop a repeated broadcast itself.
        await using var watcher = await HubTestClient.ConnectAsync(Last, members[1]);
        await watcher.SubscribeAsync(Channels.Chat(chat.Id));
        var clientMessageId = "retry-" + Guid.NewGuid().ToString("N");
        ChatMessage? first = null;
        foreach (var node in Nodes)
        {
            // The sender's connection dropped after sending; it retries through whichever node it reaches next.
            await using var sender = await UserClient.ConnectAsync(node, members[0]);
            var stored = await sender.Client.SendMessageAsync(chat.Id, "only once", clientMessageId: clientMessageId).WaitAsync(TestTimeouts.Network);
            first ??= stored;
            stored.Should().BeEquivalentTo(first);
        }

        (await ReceiveAsync(watcher, 1)).Single().Should().BeEquivalentTo(first);
        (await watcher.StaysQuietAsync(NewMessage)).Should().BeTrue("the retries broadcast nothing new");
        (await fixture.Api.GetMessagesAsync(members[1], chat.Id)).Should().ContainSingle();
    }

    [Fact]
    public async Task AnEditAndADeleteOnOneNodeReachAMemberOnEveryNodeInSeqOrder()
    {
        var members = await CreateUsersAsync(Nodes.Count, "editor");
        var chat = await fixture.Api.CreateChatAsync(members[0], members[1..].ToArray());
        var clients = new List<UserClient>();
        try
        {
            foreach (var (member, node) in members.Zip(Nodes))
            {
                clients.Add(await UserClient.ConnectAsync(node, member));
                await clients[^1].SubscribeAsync(Channels.Chat(chat.Id));
            }

            var author = clients[0];
            var message = await author.SendAsync(chat.Id, "draft");
            await author.Client.EditMessageAsync(chat.Id, message.Id, "final").WaitAsync(TestTimeouts.Network);
            await author.Client.DeleteMessageAsync(chat.Id, message.Id).WaitAsync(TestTimeouts.Network);

            foreach (var client in clients)
            {
                (await client.Edits.NextAsync()).Should().BeEquivalentTo(new { Seq = 2L, Message = new { message.Id, Content = "final" } });
                (await client.Deletes.NextAsync()).Should().BeEquivalentTo(new { Seq = 3L, MessageId = message.Id });
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    private static NetraHubLifetimeManager<NetraHub> Manager(NetraTestServer node) =>
        (NetraHubLifetimeManager<NetraHub>)node.Services.GetRequiredService<HubLifetimeManager<NetraHub>>();

    /// <summary>How many Redis clients (one per node) subscribe to the channel: <c>PUBSUB NUMSUB</c>.</summary>
    /// <summary>
    /// With a user of <paramref name="name"/> connected on every node, publishes <paramref name="payloads"/> on the all
    /// channel as they are, then sends to all: every connection must still get that send.
    /// </summary>
    private async Task PublishRawThenSendAllAsync(string name, byte[][] payloads)
    {
        var clients = await ConnectOnEveryNodeAsync(await fixture.Api.CreateUserAsync(name));
        try
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString).WaitAsync(TestTimeouts.Network);
            var all = new RedisChannel(Manager(First).Channels.All, RedisChannel.PatternMode.Literal);
            foreach (var payload in payloads)
            {
                await redis.GetSubscriber().PublishAsync(all, payload).WaitAsync(TestTimeouts.Network);
            }

            await Hub(First).Clients.All.ChannelEvent(Marker($"after-{name}")).WaitAsync(TestTimeouts.Network);
            foreach (var client in clients)
            {
                await ExpectAsync(client.Client, $"after-{name}");
            }
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    private static async Task<long> SubscribersAsync(ConnectionMultiplexer redis, string channel)
    {
        var result = await redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel).WaitAsync(TestTimeouts.Network);
        return (long)((RedisResult[])result!)[1];
    }

    private static IHubContext<NetraHub, INetraClient> Hub(NetraTestServer node) =>
        node.Services.GetRequiredService<IHubContext<NetraHub, INetraClient>>();

    private static ChannelEventMessage Marker(string type) =>
        new("test", 0, type, JsonSerializer.SerializeToElement(new { type }), DateTimeOffset.UtcNow);

    private static IGroupRunSender Runs(NetraTestServer node) => node.Services.GetRequiredService<IGroupRunSender>();

    /// <summary>Sends a run from <paramref name="node"/> and waits until it is issued and every local connection has taken it.</summary>
    private static Task SendRunAsync(NetraTestServer node, long chat, IReadOnlyList<ISequencedEvent> run) =>
        Runs(node).SendGroupRunAsync(Channels.Chat(chat), NewMessage, run).WrittenAsync().WaitAsync(TestTimeouts.Network);

    private static ChatMessage[] Messages(long chatId, long firstSeq, long lastSeq, string? text = null) =>
        [.. Enumerable.Range((int)firstSeq, (int)(lastSeq - firstSeq + 1)).Select(seq =>
            new ChatMessage(seq, chatId, seq, 1, "sender", text ?? $"message {seq}", null, $"run-{chatId}-{seq}", DateTimeOffset.UtcNow))];

    /// <summary>A new chat with one member per node, each on the raw wire on its node and subscribed to the chat.</summary>
    private async Task<(long Chat, List<RawHubClient> Clients)> RawMembersOfNewChatAsync(string prefix)
    {
        var members = await CreateUsersAsync(Nodes.Count, prefix);
        var chat = await fixture.Api.CreateChatAsync(members[0], members[1..].ToArray());
        var clients = new List<RawHubClient>();
        foreach (var (member, node) in members.Zip(Nodes))
        {
            clients.Add(await ConnectSubscribedAsync(node, member, chat.Id));
        }

        return (chat.Id, clients);
    }

    /// <summary>A raw-wire connection of <paramref name="user"/> on <paramref name="node"/>, subscribed to the chat from now on.</summary>
    private static async Task<RawHubClient> ConnectSubscribedAsync(NetraTestServer node, TestUser user, long chatId)
    {
        var client = await RawHubClient.ConnectAsync(node, user.Token);
        try
        {
            var subscribed = await client.InvokeRawAsync("Subscribe", $"[\"{Channels.Chat(chatId)}\",null]");
            subscribed.TryGetProperty("error", out var error).Should().BeFalse(error.ToString());
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    private static async Task ExpectAsync(UserClient client, string type) =>
        (await client.ChannelEvents.NextAsync()).Type.Should().Be(type);

    private static async Task<List<ChatMessage>> ReceiveAsync(HubTestClient client, int count)
    {
        var received = new List<ChatMessage>();
        for (var i = 0; i < count; i++)
        {
            received.Add(await client.NextAsync<ChatMessage>(NewMessage));
        }

        return received;
    }

    /// <summary>Connects and waits for <c>ConnectionEstablished</c>: the node has then subscribed the connection's channels.</summary>
    private static async Task<NodeClient> ConnectAsync(NetraTestServer node, TestUser user)
    {
        var client = await UserClient.ConnectAsync(node, user);
        var established = await client.Established.NextAsync();
        return new NodeClient(node, client, established.ConnectionId);
    }

    private async Task<List<NodeClient>> ConnectOnEveryNodeAsync(TestUser user)
    {
        var clients = new List<NodeClient>();
        foreach (var node in Nodes)
        {
            clients.Add(await ConnectAsync(node, user));
        }

        return clients;
    }

    private async Task<List<TestUser>> CreateUsersAsync(int count, string prefix)
    {
        var users = new List<TestUser>();
        for (var i = 0; i < count; i++)
        {
            users.Add(await fixture.Api.CreateUserAsync(prefix));
        }

        return users;
    }

    /// <summary>Member i connects to node i on the wire and subscribes to the chat.</summary>
    private async Task<List<HubTestClient>> ConnectWireMembersAsync(List<TestUser> members, long chatId)
    {
        var clients = new List<HubTestClient>();
        foreach (var (member, node) in members.Zip(Nodes))
        {
            clients.Add(await HubTestClient.ConnectAsync(node, member));
            await clients[^1].SubscribeAsync(Channels.Chat(chatId));
        }

        return clients;
    }
}
