using System.Globalization;
using System.Net.Http.Json;
using FluentAssertions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Netra.Client;
using Netra.Contracts;
using Netra.Contracts.Notifications;
using Netra.Contracts.Realtime;
using Netra.Server.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Client;

/// <summary>NetraClient against one real node: calls, events, errors, state, stats.</summary>
public sealed class NetraClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task AMessageSentThroughNetraClientReachesBothMembersAndCompletesWithTheStoredMessage()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var a = await ConnectAsync(alice);
        await using var b = await ConnectAsync(bob);
        await a.SubscribeAsync(Channels.Chat(chat.Id));
        await b.SubscribeAsync(Channels.Chat(chat.Id));

        var stored = await a.Client.SendMessageAsync(chat.Id, "hello bob").WaitAsync(TestTimeouts.Network);
        var reply = await b.Client.SendMessageAsync(chat.Id, "hello alice", clientMessageId: "reply-1").WaitAsync(TestTimeouts.Network);

        stored.Seq.Should().Be(1);
        stored.SenderId.Should().Be(alice.Id);
        Guid.TryParse(stored.ClientMessageId, out _).Should().BeTrue("a UUID is generated when none is given");
        reply.ClientMessageId.Should().Be("reply-1");
        (await a.Messages.TakeAsync(2)).Should().BeEquivalentTo([stored, reply], o => o.WithStrictOrdering());
        (await b.Messages.TakeAsync(2)).Should().BeEquivalentTo([stored, reply], o => o.WithStrictOrdering());
        a.Client.Stats.MessagesSent.Should().Be(1);
        a.Client.Stats.MessagesReceived.Should().Be(2);
    }

    [Fact]
    public async Task RefusedCallsThrowNetraExceptionWithTheServersCode()
    {
        var (owner, outsider) = (await Api.CreateUserAsync("owner"), await Api.CreateUserAsync("outsider"));
        var chat = await Api.CreateChatAsync(owner);
        await using var intruderUser = await ConnectAsync(outsider);
        await using var memberUser = await ConnectAsync(owner);
        var (intruder, member) = (intruderUser.Client, memberUser.Client);

        var subscribe = await intruder.Invoking(c => c.SubscribeAsync(Channels.Chat(chat.Id)).WaitAsync(TestTimeouts.Network))
            .Should().ThrowAsync<NetraException>();
        subscribe.Which.Code.Should().Be(ErrorCodes.Forbidden);
        subscribe.Which.Message.Should().StartWith("FORBIDDEN: ");
        intruder.SubscribedChannels.Should().BeEmpty("a refused subscribe is not followed");

        (await intruder.Invoking(c => c.SendMessageAsync(chat.Id, "let me in").WaitAsync(TestTimeouts.Network))
            .Should().ThrowAsync<NetraException>()).Which.Code.Should().Be(ErrorCodes.Forbidden);
        (await member.Invoking(c => c.SendMessageAsync(chat.Id, "   ").WaitAsync(TestTimeouts.Network))
            .Should().ThrowAsync<NetraException>()).Which.Code.Should().Be(ErrorCodes.ValidationFailed);
        (await member.Invoking(c => c.SubscribeAsync("no-such-channel").WaitAsync(TestTimeouts.Network))
            .Should().ThrowAsync<NetraException>()).Which.Code.Should().Be(ErrorCodes.Forbidden);

        member.State.Should().Be(NetraConnectionState.Connected, "a refused call does not close the connection");
        (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(0);
    }

    [Fact]
    public async Task AChatTheUserIsRemovedFromIsNoLongerFollowedWhileTheirOtherChatsAre()
    {
        var (owner, bob) = (await Api.CreateUserAsync("owner"), await Api.CreateUserAsync("bob"));
        var (chat, other) = (await Api.CreateChatAsync(owner, bob), await Api.CreateChatAsync(owner, bob));
        await using var member = await ConnectAsync(bob);
        await member.SubscribeAsync(Channels.Chat(chat.Id));
        await member.SubscribeAsync(Channels.Chat(other.Id));

        using var ownerHttp = Api.CreateClient(owner);
        (await ownerHttp.DeleteAsync($"/api/chats/{chat.Id}/members/{bob.Id}")).EnsureSuccessStatusCode();

        var notification = await member.Notifications.NextAsync(n => n.Type == NotificationTypes.RemovedFromChat);
        notification.Data.GetProperty("chatId").GetInt64().Should().Be(chat.Id);
        member.Client.SubscribedChannels.Should().Equal(Channels.Chat(other.Id));
        member.Client.State.Should().Be(NetraConnectionState.Connected);
    }

    [Fact]
    public async Task PingReturnsTheServerTimeAndRecordsTheLatency()
    {
        var pinger = await Api.CreateUserAsync("ping");
        await using var user = await ConnectAsync(pinger);
        var client = user.Client;
        client.Stats.LastPingLatency.Should().BeNull();

        var serverTime = await client.PingAsync().WaitAsync(TestTimeouts.Network);

        serverTime.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        client.Stats.LastPingLatency.Should().NotBeNull().And.BeGreaterThan(TimeSpan.Zero).And.BeLessThan(TestTimeouts.Network);
    }

    [Fact]
    public async Task StateGoesFromConnectingToConnectedAndToDisconnectedWithoutReasonOnDispose()
    {
        var user = await Api.CreateUserAsync("state");
        var events = UserClient.Create(Options(user.Token));
        var client = events.Client;

        await client.ConnectAsync().WaitAsync(TestTimeouts.Network);
        (await events.WaitForStateAsync(NetraConnectionState.Connecting)).Reason.Should().BeNull();
        await events.WaitForStateAsync(NetraConnectionState.Connected);
        client.State.Should().Be(NetraConnectionState.Connected);
        await client.DisposeAsync().AsTask().WaitAsync(TestTimeouts.Network);

        (await events.WaitForStateAsync(NetraConnectionState.Disconnected)).Reason.Should().BeNull();
        client.State.Should().Be(NetraConnectionState.Disconnected);
    }

    [Fact]
    public async Task AFailedFirstConnectThrowsAndLeavesTheClientDisconnectedWithTheReason()
    {
        await using var events = UserClient.Create(Options("not-a-token"));
        var client = events.Client;

        await client.Invoking(c => c.ConnectAsync().WaitAsync(TestTimeouts.Network)).Should().ThrowAsync<HttpRequestException>();

        (await events.WaitForStateAsync(NetraConnectionState.Disconnected)).Reason.Should().Contain("401");
        client.State.Should().Be(NetraConnectionState.Disconnected);
        (await client.Invoking(c => c.SendMessageAsync(1, "nobody hears this")).Should().ThrowAsync<NetraException>())
            .Which.Code.Should().Be(NetraClientErrorCodes.Disconnected);
    }

    private NetraClientOptions Options(string token) => new()
    {
        Url = fixture.Server.BaseAddress,
        AccessTokenProvider = _ => ValueTask.FromResult<string?>(token),
    };

    [Fact]
    public async Task AMessageWhoseBroadcastNeverCameIsFetchedAfterTheGapTimeoutAndEverythingIsDeliveredInSeqOrder()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var events = await ConnectAsync(alice);
        var client = events.Client;
        await client.SubscribeAsync(Channels.Chat(chat.Id)).WaitAsync(TestTimeouts.Network);
        await using var sender = await UserClient.ConnectAsync(fixture.Server, bob);
        await sender.SendAsync(chat.Id, "1");
        (await events.Messages.NextAsync()).Seq.Should().Be(1);

        // Seq 2 is stored but never broadcast (as if its broadcast were lost); seq 3 arrives live.
        await using (var database = new Npgsql.NpgsqlConnection(fixture.Server.PostgresConnectionString))
        {
            await Dapper.SqlMapper.ExecuteAsync(database, """
                WITH next AS (UPDATE chats SET last_seq = last_seq + 1 WHERE id = @chatId RETURNING last_seq)
                INSERT INTO messages (chat_id, seq, sender_id, content, client_message_id)
                SELECT @chatId, last_seq, @senderId, 'lost broadcast', 'lost-2' FROM next
                """, new { chatId = chat.Id, senderId = bob.Id });
        }

        await sender.SendAsync(chat.Id, "3");

        var received = await events.Messages.TakeAsync(2);
        received.Select(m => (m.Seq, m.Content)).Should().Equal((2, "lost broadcast"), (3, "3"));
        (await events.Messages.StaysQuietAsync()).Should().BeTrue();
        client.Stats.ReconnectCount.Should().Be(0, "the gap is filled without reconnecting");
    }

    [Fact]
    public async Task PublishedAndIssueChannelsAreReplayedFromASeqAsTheirOwnEventsThenLiveInOrder()
    {
        var user = await Api.CreateUserAsync("follower");
        var channel = "app:client-" + Guid.NewGuid().ToString("N")[..8];
        var issue = "CL-" + Guid.NewGuid().ToString("N")[..6];
        using var service = Api.CreateServiceClient();
        for (var i = 1; i <= 3; i++)
        {
            (await service.PostAsJsonAsync("/api/publish", new { channel, type = "tick", payload = new { i } })).EnsureSuccessStatusCode();
        }

        (await service.PostAsJsonAsync($"/api/issues/{issue}/events", new { updateType = "opened", data = new { } })).EnsureSuccessStatusCode();
        await using var events = await ConnectAsync(user);
        var client = events.Client;

        await client.SubscribeAsync(channel, sinceSeq: 1).WaitAsync(TestTimeouts.Network);
        await client.SubscribeAsync(Channels.Issue(issue), sinceSeq: 0).WaitAsync(TestTimeouts.Network);
        (await service.PostAsJsonAsync("/api/publish", new { channel, type = "tick", payload = new { i = 4 } })).EnsureSuccessStatusCode();

        (await events.ChannelEvents.TakeAsync(3)).Select(e => e.Seq).Should().Equal(2, 3, 4);
        (await events.IssueUpdates.NextAsync()).Should().BeEquivalentTo(new { Channel = Channels.Issue(issue), Seq = 1L, Type = "opened" });
    }

    [Fact]
    public async Task AConnectTheServerRefusesAfterTheHandshakeThrowsTheServersCode()
    {
        await using var server = await NetraTestServer.StartWithLimitAsync("MaxConnectionsPerUser", 1);
        var user = await new NetraApi(server).CreateUserAsync("one-tab");
        await using var open = await UserClient.ConnectAsync(server, user);
        await using var second = UserClient.Create(new NetraClientOptions
        {
            Url = server.BaseAddress,
            AccessTokenProvider = _ => ValueTask.FromResult<string?>(user.Token),
        });

        var refused = await Expect.RefusedAsync(() => second.Client.ConnectAsync(), ErrorCodes.ConnectionLimit);

        refused.Message.Should().Contain("1 connections per user");
        second.Client.State.Should().Be(NetraConnectionState.Disconnected);
        (await second.Errors.NextAsync()).Code.Should().Be(ErrorCodes.ConnectionLimit);
        (await second.Established.StaysQuietAsync()).Should().BeTrue();
        open.Client.State.Should().Be(NetraConnectionState.Connected, "the open connection stays");
    }

    [Fact]
    public async Task SubscribingAgainFromAnEarlierSeqReplaysTheEventsAfterItThenLiveOnesEachOnce()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(bob, alice);
        await using var events = await ConnectAsync(alice);
        var client = events.Client;
        await client.SubscribeAsync(Channels.Chat(chat.Id)).WaitAsync(TestTimeouts.Network);
        await using var sender = await UserClient.ConnectAsync(fixture.Server, bob);
        foreach (var content in new[] { "1", "2", "3" })
        {
            await sender.SendAsync(chat.Id, content);
        }

        (await events.Messages.TakeAsync(3)).Select(m => m.Seq).Should().Equal(1, 2, 3);

        await client.SubscribeAsync(Channels.Chat(chat.Id), sinceSeq: 1).WaitAsync(TestTimeouts.Network);
        (await events.Messages.TakeAsync(2)).Select(m => (m.Seq, m.Content)).Should().Equal((2, "2"), (3, "3"));
        await sender.SendAsync(chat.Id, "4");
        (await events.Messages.NextAsync()).Seq.Should().Be(4);

        await client.SubscribeAsync(Channels.Chat(chat.Id), sinceSeq: 4).WaitAsync(TestTimeouts.Network);
        await client.SubscribeAsync(Channels.Chat(chat.Id)).WaitAsync(TestTimeouts.Network);
        (await events.Messages.StaysQuietAsync()).Should().BeTrue("nothing is replayed from the last seq delivered or from now");
        client.SubscribedChannels.Should().Equal(Channels.Chat(chat.Id));
    }

    [Fact]
    public async Task ASecondSubscribeWhileTheFirstIsOnItsWayGetsTheFirstsOutcome()
    {
        var (owner, outsider) = (await Api.CreateUserAsync("owner"), await Api.CreateUserAsync("outsider"));
        var chat = await Api.CreateChatAsync(owner);
        await using var intruder = await ConnectAsync(outsider);

        var first = intruder.Client.SubscribeAsync(Channels.Chat(chat.Id));
        var second = intruder.Client.SubscribeAsync(Channels.Chat(chat.Id), sinceSeq: 0);

        await Expect.RefusedAsync(() => first, ErrorCodes.Forbidden);
        await Expect.RefusedAsync(() => second, ErrorCodes.Forbidden, "the second call waited for the first, which was refused");
        intruder.Client.SubscribedChannels.Should().BeEmpty();
    }

    [Fact]
    public async Task APresenceAnnouncementOlderThanOneAlreadyRaisedForItsUserIsDropped()
    {
        var (watcher, dave, erin) = (await Api.CreateUserAsync("watcher"), await Api.CreateUserAsync("dave"), await Api.CreateUserAsync("erin"));
        await using var watching = await ConnectAsync(watcher);
        var hub = fixture.Server.Services.GetRequiredService<IHubContext<NetraHub, INetraClient>>().Clients.User(watcher.Id.ToString(CultureInfo.InvariantCulture));
        PresenceChangedEvent Of(TestUser user, string status, long version) =>
            new(user.Id, user.DisplayName, status != PresenceStatus.Offline, status, DateTimeOffset.UtcNow, version);

        // As two nodes could deliver them: dave's going offline (50) after his coming back (70), then a duplicate.
        await hub.PresenceChanged(Of(dave, PresenceStatus.Online, 70));
        await hub.PresenceChanged(Of(dave, PresenceStatus.Offline, 50));
        await hub.PresenceChanged(Of(dave, PresenceStatus.Online, 70));
        await hub.PresenceChanged(Of(erin, PresenceStatus.Online, 60));
        await hub.PresenceChanged(Of(dave, PresenceStatus.Away, 71));

        (await watching.Presence.TakeAsync(3)).Select(p => (p.UserId, p.Status, p.Version))
            .Should().Equal((dave.Id, PresenceStatus.Online, 70L), (erin.Id, PresenceStatus.Online, 60L), (dave.Id, PresenceStatus.Away, 71L));
        (await watching.Presence.StaysQuietAsync()).Should().BeTrue();
    }

    /// <summary>A user with the library's default options (reconnect, gap timeout), unlike the strict clients of the other tests.</summary>
    private Task<UserClient> ConnectAsync(TestUser user) => UserClient.ConnectAsync(Options(user.Token));
}
