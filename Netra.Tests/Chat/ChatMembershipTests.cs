using System.Net;
using System.Net.Http.Json;
using Dapper;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Notifications;
using Netra.Server.Presence;
using Netra.Tests.Backplane;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Chat;

/// <summary>
/// Chat membership on two nodes: the creator adds and removes members, a member may leave; a removed user leaves the
/// chat's group on every connection on every node at once and is refused by SendMessage, SetTyping and Subscribe.
/// </summary>
public sealed class ChatMembershipTests(TwoNodesFixture fixture) : IClassFixture<TwoNodesFixture>
{
    [Fact]
    public async Task ARemovedMemberGetsNothingMoreOnAnyConnectionOnAnyNodeAndIsRefusedEverywhere()
    {
        var owner = await fixture.Api.CreateUserAsync("owner");
        var bob = await fixture.Api.CreateUserAsync("bob");
        var carol = await fixture.Api.CreateUserAsync("carol");
        var chat = await fixture.Api.CreateChatAsync(owner, bob, carol);
        var channel = Channels.Chat(chat.Id);
        await using var ownerHub = await UserClient.ConnectAsync(fixture.Nodes[0], owner);
        await using var bobOnA = await UserClient.ConnectAsync(fixture.Nodes[0], bob);
        await using var bobOnB = await UserClient.ConnectAsync(fixture.Nodes[1], bob);
        await using var carolOnB = await UserClient.ConnectAsync(fixture.Nodes[1], carol);
        foreach (var client in new[] { bobOnA, bobOnB, carolOnB })
        {
            await client.SubscribeAsync(channel);
        }

        await ownerHub.SendAsync(chat.Id, "before");
        foreach (var client in new[] { bobOnA, bobOnB, carolOnB })
        {
            (await client.Messages.NextAsync()).Content.Should().Be("before");
        }

        using var ownerHttp = new NetraApi(fixture.Nodes[0]).CreateClient(owner);
        var removed = await ownerHttp.DeleteAsync($"/api/chats/{chat.Id}/members/{bob.Id}");
        removed.StatusCode.Should().Be(HttpStatusCode.NoContent, await removed.Content.ReadAsStringAsync());

        await ownerHub.SendAsync(chat.Id, "after");
        await ownerHub.Client.SetTypingAsync(chat.Id, true).WaitAsync(TestTimeouts.Network);
        (await carolOnB.Messages.NextAsync()).Content.Should().Be("after");
        (await carolOnB.Typing.NextAsync()).UserId.Should().Be(owner.Id);
        foreach (var client in new[] { bobOnA, bobOnB })
        {
            (await client.Messages.StaysQuietAsync()).Should().BeTrue();
            (await client.Typing.StaysQuietAsync()).Should().BeTrue();
            var notice = await client.Notifications.NextAsync();
            notice.Type.Should().Be(NotificationTypes.RemovedFromChat);
            notice.Data.GetProperty("chatId").GetInt64().Should().Be(chat.Id);
            notice.Data.GetProperty("byUserName").GetString().Should().Be(owner.DisplayName, "notifications name people by their display name");
        }

        await Expect.RefusedAsync(() => bobOnB.Client.SendMessageAsync(chat.Id, "let me in"), ErrorCodes.Forbidden);
        await Expect.RefusedAsync(() => bobOnA.Client.SetTypingAsync(chat.Id, true), ErrorCodes.Forbidden);
        // The app forgets the chat it was removed from; following it again is refused.
        await bobOnB.Client.UnsubscribeAsync(channel).WaitAsync(TestTimeouts.Network);
        await Expect.RefusedAsync(() => bobOnB.Client.SubscribeAsync(channel, 0), ErrorCodes.Forbidden);
        (await bobOnB.Messages.StaysQuietAsync()).Should().BeTrue();
        using var bobHttp = new NetraApi(fixture.Nodes[1]).CreateClient(bob);
        (await bobHttp.GetAsync($"/api/chats/{chat.Id}/messages")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task ASubscribeMadeWhileTheRemovalIsBeforeItsCommitDoesNotKeepTheRemovedMemberInTheChat()
    {
        var (owner, bob) = (await fixture.Api.CreateUserAsync("owner"), await fixture.Api.CreateUserAsync("bob"));
        var chat = await fixture.Api.CreateChatAsync(owner, bob);
        var channel = Channels.Chat(chat.Id);
        var node = fixture.Nodes[0];
        await using var ownerHub = await UserClient.ConnectAsync(node, owner);
        await ownerHub.SubscribeAsync(channel);
        await using var bobHub = await RawHubClient.ConnectAsync(node, bob.Token);
        await bobHub.InvokeRawAsync("Subscribe", $"[\"{channel}\", null]");
        // Bob also has a connection that no node holds any more (its node died and presence has not swept it yet): its
        // leave waits for an acknowledgement that never comes, which holds the removal open after his live connection
        // left the chat's group and before the membership's delete commits.
        var gone = "gone-" + Guid.NewGuid().ToString("N");
        await node.Services.GetRequiredService<RedisPresenceStore>().AddConnectionAsync(bob.Id, gone, CancellationToken.None);
        using var ownerHttp = new NetraApi(node).CreateClient(owner);
        var removal = ownerHttp.DeleteAsync($"/api/chats/{chat.Id}/members/{bob.Id}");
        await using (var database = new NpgsqlConnection(node.PostgresConnectionString))
        {
            // The delete has run (its row is locked) and the leaves are out: bob's live connection's is local, at once.
            await Eventually.UntilAsync(async () => !await RowIsFreeAsync(database, chat.Id, bob.Id));
        }

        await Task.Delay(TimeSpan.FromMilliseconds(300));
        removal.IsCompleted.Should().BeFalse("the gone connection's leave holds the removal for the ack timeout");
        var again = await bobHub.InvokeRawAsync("Subscribe", $"[\"{channel}\", null]");
        again.TryGetProperty("error", out _).Should().BeFalse("the membership is not deleted yet: {0}", again);
        using (var removed = await removal)
        {
            removed.StatusCode.Should().Be(HttpStatusCode.NoContent, await removed.Content.ReadAsStringAsync());
        }

        await ownerHub.SendAsync(chat.Id, "after");
        (await ownerHub.Messages.NextAsync()).Content.Should().Be("after");
        // A marker to bob's connection, issued after the chat's broadcast on the same node.
        (await ownerHttp.PostAsJsonAsync("/api/connections/requests", new { toUserId = bob.Id })).EnsureSuccessStatusCode();
        (await bobHub.TargetsUntilAsync("ConnectionRequest")).Should().NotContain("NewMessage", "bob was removed from the chat");
        node.Logs.Lines.Where(line => line.EventId.Id == 11503 && line.Message.Contains(gone, StringComparison.Ordinal)).Should()
            .ContainSingle("the second pass does not wait again for the connection no node acknowledged");
    }

    private static async Task<bool> RowIsFreeAsync(NpgsqlConnection database, long chatId, long userId)
    {
        if (database.State != System.Data.ConnectionState.Open)
        {
            await database.OpenAsync();
        }

        await using var transaction = await database.BeginTransactionAsync();
        try
        {
            await database.ExecuteAsync("SELECT 1 FROM chat_members WHERE chat_id = @chatId AND user_id = @userId FOR UPDATE NOWAIT", new { chatId, userId }, transaction);
            return true;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return false;
        }
    }

    [Fact]
    public async Task AddsMadeAtOnceNeverTakeAChatPastItsMemberLimit()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?> { ["Netra:Chat:MaxMembers"] = "3" });
        var api = new NetraApi(server);
        var owner = await api.CreateUserAsync("owner");
        var chat = await api.CreateChatAsync(owner, await api.CreateUserAsync("first"));
        var candidates = new List<TestUser>();
        for (var i = 0; i < 8; i++)
        {
            candidates.Add(await api.CreateUserAsync("candidate"));
        }

        using var http = api.CreateClient(owner);
        var answers = await Task.WhenAll(candidates.Select(async user =>
        {
            using var response = await http.PostAsJsonAsync($"/api/chats/{chat.Id}/members", new { userId = user.Id });
            return response.StatusCode;
        }));

        answers.Count(status => status == HttpStatusCode.OK).Should().Be(1, "one place was left");
        answers.Count(status => status == HttpStatusCode.BadRequest).Should().Be(7);
        var chats = await http.GetFromJsonAsync<List<ChatSummary>>("/api/chats", NetraApi.Json);
        chats!.Single(c => c.Id == chat.Id).MemberIds.Should().HaveCount(3);
    }

    [Fact]
    public async Task TheCreatorAddsAMemberWhoIsNotifiedAndCanFollowTheChatAtOnce()
    {
        var owner = await fixture.Api.CreateUserAsync("owner");
        var dave = await fixture.Api.CreateUserAsync("dave");
        var chat = await fixture.Api.CreateChatAsync(owner);
        await using var daveHub = await UserClient.ConnectAsync(fixture.Nodes[1], dave);
        await Expect.RefusedAsync(() => daveHub.Client.SubscribeAsync(Channels.Chat(chat.Id)), ErrorCodes.Forbidden);

        using var ownerHttp = new NetraApi(fixture.Nodes[0]).CreateClient(owner);
        var added = await ownerHttp.PostAsJsonAsync($"/api/chats/{chat.Id}/members", new AddChatMemberRequest(dave.Id));
        added.StatusCode.Should().Be(HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
        (await added.Content.ReadFromJsonAsync<ChatSummary>(NetraApi.Json))!.MemberIds.Should().BeEquivalentTo([owner.Id, dave.Id]);

        var notice = await daveHub.Notifications.NextAsync();
        notice.Type.Should().Be(NotificationTypes.AddedToChat);
        notice.Data.GetProperty("chatId").GetInt64().Should().Be(chat.Id);
        notice.Data.GetProperty("byUserName").GetString().Should().Be(owner.DisplayName);
        await daveHub.SubscribeAsync(Channels.Chat(chat.Id));
        await using var ownerHub = await UserClient.ConnectAsync(fixture.Nodes[0], owner);
        await ownerHub.SendAsync(chat.Id, "welcome");
        (await daveHub.Messages.NextAsync()).Content.Should().Be("welcome");
    }

    [Fact]
    public async Task OnlyTheCreatorChangesMembersAMemberMayLeaveAndBadRequestsAreRefused()
    {
        var owner = await fixture.Api.CreateUserAsync("owner");
        var bob = await fixture.Api.CreateUserAsync("bob");
        var carol = await fixture.Api.CreateUserAsync("carol");
        var stranger = await fixture.Api.CreateUserAsync("stranger");
        var chat = await fixture.Api.CreateChatAsync(owner, bob, carol);
        var api = new NetraApi(fixture.Nodes[1]);
        using var ownerHttp = api.CreateClient(owner);
        using var bobHttp = api.CreateClient(bob);
        using var strangerHttp = api.CreateClient(stranger);

        await ExpectAsync(bobHttp.PostAsJsonAsync($"/api/chats/{chat.Id}/members", new { userId = stranger.Id }), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await ExpectAsync(bobHttp.DeleteAsync($"/api/chats/{chat.Id}/members/{carol.Id}"), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await ExpectAsync(strangerHttp.PostAsJsonAsync($"/api/chats/{chat.Id}/members", new { userId = stranger.Id }), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await ExpectAsync(strangerHttp.DeleteAsync($"/api/chats/{chat.Id}/members/{stranger.Id}"), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await ExpectAsync(ownerHttp.PostAsJsonAsync("/api/chats/999999999/members", new { userId = stranger.Id }), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await ExpectAsync(ownerHttp.PostAsJsonAsync($"/api/chats/{chat.Id}/members", new { userId = bob.Id }), HttpStatusCode.Conflict, ErrorCodes.Conflict);
        await ExpectAsync(ownerHttp.PostAsJsonAsync($"/api/chats/{chat.Id}/members", new { userId = 999_999_999 }), HttpStatusCode.NotFound, ErrorCodes.NotFound);
        await ExpectAsync(ownerHttp.PostAsJsonAsync($"/api/chats/{chat.Id}/members", new { userId = 0 }), HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        await ExpectAsync(ownerHttp.PostAsJsonAsync($"/api/chats/{chat.Id}/members", new { userId = new string('9', 10_240) }), HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        await ExpectAsync(ownerHttp.DeleteAsync($"/api/chats/{chat.Id}/members/{stranger.Id}"), HttpStatusCode.NotFound, ErrorCodes.NotFound);

        (await bobHttp.DeleteAsync($"/api/chats/{chat.Id}/members/{bob.Id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await ExpectAsync(bobHttp.DeleteAsync($"/api/chats/{chat.Id}/members/{bob.Id}"), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        var chats = await ownerHttp.GetFromJsonAsync<List<ChatSummary>>("/api/chats", NetraApi.Json);
        chats!.Single(c => c.Id == chat.Id).MemberIds.Should().BeEquivalentTo([owner.Id, carol.Id]);
    }

    private static async Task ExpectAsync(Task<HttpResponseMessage> call, HttpStatusCode status, string code)
    {
        var response = await call;
        response.StatusCode.Should().Be(status, await response.Content.ReadAsStringAsync());
        (await NetraApi.ReadCodeAsync(response)).Should().Be(code);
    }
}
