using System.Net.Http.Json;
using FluentAssertions;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Chat;

/// <summary>Edits, deletes and read markers: durable chat events with their own seq, authors only, resumable, unread counts.</summary>
/// <remarks>Users are played by Netra.Client; one test reads Subscribe's reply on the wire itself (HubTestClient).</remarks>
public sealed class MessageChangeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task AnEditAndADeleteReachEveryMemberTakeTheirOwnSeqAndHistoryShowsTheCurrentState()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var author = await UserClient.ConnectAsync(fixture.Server, alice);
        await using var reader = await UserClient.ConnectAsync(fixture.Server, bob);
        await reader.SubscribeAsync(Channels.Chat(chat.Id));
        var first = await author.SendAsync(chat.Id, "helo");
        var second = await author.SendAsync(chat.Id, "secret");

        var edited = await author.Client.EditMessageAsync(chat.Id, first.Id, "hello").WaitAsync(TestTimeouts.Network);
        var again = await author.Client.EditMessageAsync(chat.Id, first.Id, "hello").WaitAsync(TestTimeouts.Network);
        await author.Client.DeleteMessageAsync(chat.Id, second.Id).WaitAsync(TestTimeouts.Network);
        await author.Client.DeleteMessageAsync(chat.Id, second.Id).WaitAsync(TestTimeouts.Network);

        edited.Should().BeEquivalentTo(new { first.Id, Content = "hello", Deleted = false });
        edited.EditedAt.Should().NotBeNull();
        again.Should().BeEquivalentTo(edited, "editing to the same content again is one event");
        (await reader.Edits.NextAsync()).Should().BeEquivalentTo(new { ChatId = chat.Id, Seq = 3L, Message = new { first.Id, Content = "hello" } });
        (await reader.Deletes.NextAsync()).Should().BeEquivalentTo(new { ChatId = chat.Id, Seq = 4L, MessageId = second.Id, DeletedBy = alice.Id });
        (await reader.Edits.StaysQuietAsync()).Should().BeTrue("the repeated edit pushed nothing");
        (await reader.Deletes.StaysQuietAsync()).Should().BeTrue("the repeated delete pushed nothing");

        var history = await Api.GetMessagesAsync(bob, chat.Id);
        history.Should().HaveCount(2);
        history[0].Should().BeEquivalentTo(new { Content = "hello", Deleted = false });
        history[0].EditedAt.Should().NotBeNull();
        history[1].Should().BeEquivalentTo(new { Content = "", Deleted = true, Attachment = (string?)null }, "a deleted message is a tombstone");
        (await Api.GetMessagesAsync(bob, chat.Id)).Should().NotContain(m => m.Content == "secret");
    }

    /// <summary>Reads Subscribe's reply on the wire: the order and shape of <c>missed</c> as the server sends them (NetraClient would sort them).</summary>
    [Fact]
    public async Task AClientResumingAfterMissingAnEditAndADeleteGetsThemInSeqOrderWithTheMessages()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var author = await UserClient.ConnectAsync(fixture.Server, alice);
        var one = await author.SendAsync(chat.Id, "one");
        var two = await author.SendAsync(chat.Id, "two");
        await author.Client.EditMessageAsync(chat.Id, one.Id, "one, edited").WaitAsync(TestTimeouts.Network);
        await author.Client.DeleteMessageAsync(chat.Id, two.Id).WaitAsync(TestTimeouts.Network);
        await author.SendAsync(chat.Id, "three");

        await using var resumed = await HubTestClient.ConnectAsync(fixture.Server, bob);
        var result = await resumed.SubscribeAsync(Channels.Chat(chat.Id), 1);

        result.LastSeq.Should().Be(5);
        result.Missed.Select(e => e.GetProperty("seq").GetInt64()).Should().Equal(2, 3, 4, 5);
        result.Missed[0].GetProperty("deleted").GetBoolean().Should().BeTrue("message 2 is replayed as it is now: deleted");
        result.Missed[0].GetProperty("content").GetString().Should().BeEmpty();
        result.Missed[1].GetProperty("message").GetProperty("content").GetString().Should().Be("one, edited");
        result.Missed[2].GetProperty("messageId").GetInt64().Should().Be(two.Id);
        result.Missed[3].GetProperty("content").GetString().Should().Be("three");
    }

    [Fact]
    public async Task NobodyEditsOrDeletesSomeoneElsesMessageButTheChatsCreatorMayDelete()
    {
        var (owner, member, outsider) = (await Api.CreateUserAsync("owner"), await Api.CreateUserAsync("member"), await Api.CreateUserAsync("outsider"));
        var chat = await Api.CreateChatAsync(owner, member);
        await using var ownerClient = await UserClient.ConnectAsync(fixture.Server, owner);
        await using var memberClient = await UserClient.ConnectAsync(fixture.Server, member);
        await using var outsiderClient = await UserClient.ConnectAsync(fixture.Server, outsider);
        var (owners, members, outsiders) = (ownerClient.Client, memberClient.Client, outsiderClient.Client);
        var ownersMessage = await ownerClient.SendAsync(chat.Id, "mine");
        var membersMessage = await memberClient.SendAsync(chat.Id, "member's");

        await Expect.RefusedAsync(() => members.EditMessageAsync(chat.Id, ownersMessage.Id, "hijacked"), ErrorCodes.Forbidden);
        await Expect.RefusedAsync(() => owners.EditMessageAsync(chat.Id, membersMessage.Id, "hijacked"), ErrorCodes.Forbidden);
        await Expect.RefusedAsync(() => members.DeleteMessageAsync(chat.Id, ownersMessage.Id), ErrorCodes.Forbidden);
        await Expect.RefusedAsync(() => outsiders.DeleteMessageAsync(chat.Id, membersMessage.Id), ErrorCodes.Forbidden);
        await Expect.RefusedAsync(() => members.EditMessageAsync(chat.Id, 999_999, "x"), ErrorCodes.NotFound);
        await Expect.RefusedAsync(() => members.EditMessageAsync(chat.Id, membersMessage.Id, "  "), ErrorCodes.ValidationFailed);
        await Expect.RefusedAsync(() => members.EditMessageAsync(chat.Id, membersMessage.Id, new string('x', 4001)), ErrorCodes.MessageTooLarge);
        await Expect.RefusedAsync(() => members.EditMessageAsync(0, membersMessage.Id, "x"), ErrorCodes.ValidationFailed);
        (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(2, "no refused change took a seq");

        await owners.DeleteMessageAsync(chat.Id, membersMessage.Id).WaitAsync(TestTimeouts.Network);
        (await Api.GetMessagesAsync(owner, chat.Id)).Single(m => m.Id == membersMessage.Id).Deleted.Should().BeTrue("the chat's creator may delete any message");
        await Expect.RefusedAsync(() => members.EditMessageAsync(chat.Id, membersMessage.Id, "revived"), ErrorCodes.ValidationFailed);
    }

    [Fact]
    public async Task UnreadCountsFollowMessagesReadsInAnotherTabAndAReconnect()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var sender = await UserClient.ConnectAsync(fixture.Server, alice);
        await using var tabA = await UserClient.ConnectAsync(fixture.Server, bob);
        await using var tabB = await UserClient.ConnectAsync(fixture.Server, bob);
        for (var i = 1; i <= 3; i++)
        {
            await sender.SendAsync(chat.Id, $"m{i}");
        }

        (await ChatOfAsync(bob, chat.Id)).Should().BeEquivalentTo(new { LastSeq = 3L, LastReadSeq = 0L, UnreadCount = 3L });
        (await ChatOfAsync(alice, chat.Id)).UnreadCount.Should().Be(0, "your own messages are not unread");

        (await MarkReadAsync(tabA, chat.Id, 2)).Should().Be(2);
        (await tabB.ReadMarkers.NextAsync()).Should().Be(new ReadMarkerEvent(chat.Id, bob.Id, 2));
        (await ChatOfAsync(bob, chat.Id)).Should().BeEquivalentTo(new { LastReadSeq = 2L, UnreadCount = 1L });

        (await MarkReadAsync(tabA, chat.Id, 1)).Should().Be(2, "read positions only move forward");
        (await MarkReadAsync(tabA, chat.Id, 99)).Should().Be(3, "capped at the chat's head");
        await tabA.DisposeAsync();
        await using var reconnected = await UserClient.ConnectAsync(fixture.Server, bob);
        await sender.SendAsync(chat.Id, "m4");
        (await ChatOfAsync(bob, chat.Id)).Should().BeEquivalentTo(new { LastSeq = 4L, LastReadSeq = 3L, UnreadCount = 1L });

        var outsider = await Api.CreateUserAsync("outsider");
        await using var stranger = await UserClient.ConnectAsync(fixture.Server, outsider);
        await Expect.RefusedAsync(() => stranger.Client.MarkReadAsync(chat.Id, 1), ErrorCodes.Forbidden);
        await Expect.RefusedAsync(() => reconnected.Client.MarkReadAsync(chat.Id, -1), ErrorCodes.ValidationFailed);
    }

    [Fact]
    public async Task WithReadReceiptsOnOtherMembersSeeAReadMarkerAndWithoutThemTheyDoNot()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var withReceipts = await Api.CreateChatAsync(alice, readReceipts: true, bob);
        var without = await Api.CreateChatAsync(alice, bob);
        withReceipts.ReadReceipts.Should().BeTrue();
        await using var aliceClient = await UserClient.ConnectAsync(fixture.Server, alice);
        await using var bobClient = await UserClient.ConnectAsync(fixture.Server, bob);
        foreach (var chat in new[] { withReceipts, without })
        {
            await aliceClient.SubscribeAsync(Channels.Chat(chat.Id));
            await aliceClient.SendAsync(chat.Id, "did you read this?");
        }

        await MarkReadAsync(bobClient, without.Id, 1);
        await MarkReadAsync(bobClient, withReceipts.Id, 1);

        (await aliceClient.ReadMarkers.NextAsync()).Should().Be(new ReadMarkerEvent(withReceipts.Id, bob.Id, 1));
        (await aliceClient.ReadMarkers.StaysQuietAsync()).Should().BeTrue("the chat without read receipts tells nobody else");
    }

    private static Task<long> MarkReadAsync(UserClient client, long chatId, long seq) => client.Client.MarkReadAsync(chatId, seq).WaitAsync(TestTimeouts.Network);

    private async Task<ChatSummary> ChatOfAsync(TestUser user, long chatId)
    {
        using var http = Api.CreateClient(user);
        return (await http.GetFromJsonAsync<List<ChatSummary>>("/api/chats", NetraApi.Json))!.Single(c => c.Id == chatId);
    }
}
