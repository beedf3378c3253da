using System.Net.Http.Json;
using FluentAssertions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Chat;

/// <summary>Edits, deletes and read markers: durable chat events with their own seq, authors only, resumable, unread counts.</summary>
public sealed class MessageChangeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task AnEditAndADeleteReachEveryMemberTakeTheirOwnSeqAndHistoryShowsTheCurrentState()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var author = await HubTestClient.ConnectAsync(fixture.Server, alice);
        await using var reader = await HubTestClient.ConnectAsync(fixture.Server, bob);
        var updates = reader.Watch<MessageUpdatedEvent>(nameof(INetraClient.MessageUpdated));
        var deletes = reader.Watch<MessageDeletedEvent>(nameof(INetraClient.MessageDeleted));
        await reader.SubscribeAsync(Channels.Chat(chat.Id));
        var first = await author.SendAsync(chat.Id, "helo");
        var second = await author.SendAsync(chat.Id, "secret");

        var edited = await author.Connection.InvokeAsync<ChatMessage>(HubMethods.EditMessage, new EditMessageRequest(chat.Id, first.Id, "hello"));
        var again = await author.Connection.InvokeAsync<ChatMessage>(HubMethods.EditMessage, new EditMessageRequest(chat.Id, first.Id, "hello"));
        await author.Connection.InvokeAsync(HubMethods.DeleteMessage, new DeleteMessageRequest(chat.Id, second.Id));
        await author.Connection.InvokeAsync(HubMethods.DeleteMessage, new DeleteMessageRequest(chat.Id, second.Id));

        edited.Should().BeEquivalentTo(new { first.Id, Content = "hello", Deleted = false });
        edited.EditedAt.Should().NotBeNull();
        again.Should().BeEquivalentTo(edited, "editing to the same content again is one event");
        var update = await updates.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Network);
        update.Should().BeEquivalentTo(new { ChatId = chat.Id, Seq = 3L, Message = new { first.Id, Content = "hello" } });
        (await deletes.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Network)).Should().BeEquivalentTo(new { ChatId = chat.Id, Seq = 4L, MessageId = second.Id, DeletedBy = alice.Id });
        (await reader.StaysQuietAsync(nameof(INetraClient.MessageUpdated))).Should().BeTrue();
        updates.Reader.TryRead(out _).Should().BeFalse("the repeated edit pushed nothing");
        deletes.Reader.TryRead(out _).Should().BeFalse("the repeated delete pushed nothing");

        var history = await Api.GetMessagesAsync(bob, chat.Id);
        history.Should().HaveCount(2);
        history[0].Should().BeEquivalentTo(new { Content = "hello", Deleted = false });
        history[0].EditedAt.Should().NotBeNull();
        history[1].Should().BeEquivalentTo(new { Content = "", Deleted = true, Attachment = (string?)null }, "a deleted message is a tombstone");
        (await Api.GetMessagesAsync(bob, chat.Id)).Should().NotContain(m => m.Content == "secret");
    }

    [Fact]
    public async Task AClientResumingAfterMissingAnEditAndADeleteGetsThemInSeqOrderWithTheMessages()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var author = await HubTestClient.ConnectAsync(fixture.Server, alice);
        var one = await author.SendAsync(chat.Id, "one");
        var two = await author.SendAsync(chat.Id, "two");
        await author.Connection.InvokeAsync<ChatMessage>(HubMethods.EditMessage, new EditMessageRequest(chat.Id, one.Id, "one, edited"));
        await author.Connection.InvokeAsync(HubMethods.DeleteMessage, new DeleteMessageRequest(chat.Id, two.Id));
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
        await using var ownerClient = await HubTestClient.ConnectAsync(fixture.Server, owner);
        await using var memberClient = await HubTestClient.ConnectAsync(fixture.Server, member);
        await using var outsiderClient = await HubTestClient.ConnectAsync(fixture.Server, outsider);
        var ownersMessage = await ownerClient.SendAsync(chat.Id, "mine");
        var membersMessage = await memberClient.SendAsync(chat.Id, "member's");

        await ExpectCodeAsync(memberClient.Connection.InvokeAsync<ChatMessage>(HubMethods.EditMessage, new EditMessageRequest(chat.Id, ownersMessage.Id, "hijacked")), ErrorCodes.Forbidden);
        await ExpectCodeAsync(ownerClient.Connection.InvokeAsync<ChatMessage>(HubMethods.EditMessage, new EditMessageRequest(chat.Id, membersMessage.Id, "hijacked")), ErrorCodes.Forbidden);
        await ExpectCodeAsync(memberClient.Connection.InvokeAsync(HubMethods.DeleteMessage, new DeleteMessageRequest(chat.Id, ownersMessage.Id)), ErrorCodes.Forbidden);
        await ExpectCodeAsync(outsiderClient.Connection.InvokeAsync(HubMethods.DeleteMessage, new DeleteMessageRequest(chat.Id, membersMessage.Id)), ErrorCodes.Forbidden);
        await ExpectCodeAsync(memberClient.Connection.InvokeAsync<ChatMessage>(HubMethods.EditMessage, new EditMessageRequest(chat.Id, 999_999, "x")), ErrorCodes.NotFound);
        await ExpectCodeAsync(memberClient.Connection.InvokeAsync<ChatMessage>(HubMethods.EditMessage, new EditMessageRequest(chat.Id, membersMessage.Id, "  ")), ErrorCodes.ValidationFailed);
        await ExpectCodeAsync(memberClient.Connection.InvokeAsync<ChatMessage>(HubMethods.EditMessage, new EditMessageRequest(chat.Id, membersMessage.Id, new string('x', 4001))), ErrorCodes.MessageTooLarge);
        await ExpectCodeAsync(memberClient.Connection.InvokeAsync<ChatMessage>(HubMethods.EditMessage, new EditMessageRequest(0, membersMessage.Id, "x")), ErrorCodes.ValidationFailed);
        (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(2, "no refused change took a seq");

        await ownerClient.Connection.InvokeAsync(HubMethods.DeleteMessage, new DeleteMessageRequest(chat.Id, membersMessage.Id));
        (await Api.GetMessagesAsync(owner, chat.Id)).Single(m => m.Id == membersMessage.Id).Deleted.Should().BeTrue("the chat's creator may delete any message");
        await ExpectCodeAsync(memberClient.Connection.InvokeAsync<ChatMessage>(HubMethods.EditMessage, new EditMessageRequest(chat.Id, membersMessage.Id, "revived")), ErrorCodes.ValidationFailed);
    }

    [Fact]
    public async Task UnreadCountsFollowMessagesReadsInAnotherTabAndAReconnect()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var sender = await HubTestClient.ConnectAsync(fixture.Server, alice);
        await using var tabA = await HubTestClient.ConnectAsync(fixture.Server, bob);
        await using var tabB = await HubTestClient.ConnectAsync(fixture.Server, bob);
        var markers = tabB.Watch<ReadMarkerEvent>(nameof(INetraClient.ReadMarker));
        for (var i = 1; i <= 3; i++)
        {
            await sender.SendAsync(chat.Id, $"m{i}");
        }

        (await ChatOfAsync(bob, chat.Id)).Should().BeEquivalentTo(new { LastSeq = 3L, LastReadSeq = 0L, UnreadCount = 3L });
        (await ChatOfAsync(alice, chat.Id)).UnreadCount.Should().Be(0, "your own messages are not unread");

        (await tabA.Connection.InvokeAsync<long>(HubMethods.MarkRead, chat.Id, 2L)).Should().Be(2);
        (await markers.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Network)).Should().Be(new ReadMarkerEvent(chat.Id, bob.Id, 2));
        (await ChatOfAsync(bob, chat.Id)).Should().BeEquivalentTo(new { LastReadSeq = 2L, UnreadCount = 1L });

        (await tabA.Connection.InvokeAsync<long>(HubMethods.MarkRead, chat.Id, 1L)).Should().Be(2, "read positions only move forward");
        (await tabA.Connection.InvokeAsync<long>(HubMethods.MarkRead, chat.Id, 99L)).Should().Be(3, "capped at the chat's head");
        await tabA.DisposeAsync();
        await using var reconnected = await HubTestClient.ConnectAsync(fixture.Server, bob);
        await sender.SendAsync(chat.Id, "m4");
        (await ChatOfAsync(bob, chat.Id)).Should().BeEquivalentTo(new { LastSeq = 4L, LastReadSeq = 3L, UnreadCount = 1L });

        var outsider = await Api.CreateUserAsync("outsider");
        await using var stranger = await HubTestClient.ConnectAsync(fixture.Server, outsider);
        await ExpectCodeAsync(stranger.Connection.InvokeAsync<long>(HubMethods.MarkRead, chat.Id, 1L), ErrorCodes.Forbidden);
        await ExpectCodeAsync(reconnected.Connection.InvokeAsync<long>(HubMethods.MarkRead, chat.Id, -1L), ErrorCodes.ValidationFailed);
    }


    private static async Task ExpectCodeAsync(Task call, string code) =>
        (await call.Awaiting(c => c.WaitAsync(TestTimeouts.Network)).Should().ThrowAsync<HubException>()).Which.Message.Should().StartWith(code + ":");

    [Fact]
    public async Task WithReadReceiptsOnOtherMembersSeeAReadMarkerAndWithoutThemTheyDoNot()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var withReceipts = await Api.CreateChatAsync(alice, readReceipts: true, bob);
        var without = await Api.CreateChatAsync(alice, bob);
        withReceipts.ReadReceipts.Should().BeTrue();
        await using var aliceClient = await HubTestClient.ConnectAsync(fixture.Server, alice);
        await using var bobClient = await HubTestClient.ConnectAsync(fixture.Server, bob);
        var seenByAlice = aliceClient.Watch<ReadMarkerEvent>(nameof(INetraClient.ReadMarker));
        foreach (var chat in new[] { withReceipts, without })
        {
            await aliceClient.SubscribeAsync(Channels.Chat(chat.Id));
            await aliceClient.SendAsync(chat.Id, "did you read this?");
        }

        await bobClient.Connection.InvokeAsync<long>(HubMethods.MarkRead, without.Id, 1L);
        await bobClient.Connection.InvokeAsync<long>(HubMethods.MarkRead, withReceipts.Id, 1L);

        (await seenByAlice.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Network)).Should().Be(new ReadMarkerEvent(withReceipts.Id, bob.Id, 1));
        await Task.Delay(TestTimeouts.Quiet);
        seenByAlice.Reader.TryRead(out _).Should().BeFalse("the chat without read receipts tells nobody else");
    }

    private async Task<ChatSummary> ChatOfAsync(TestUser user, long chatId)
    {
        using var http = Api.CreateClient(user);
        return (await http.GetFromJsonAsync<List<ChatSummary>>("/api/chats", NetraApi.Json))!.Single(c => c.Id == chatId);
    }
}
