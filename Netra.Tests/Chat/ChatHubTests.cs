using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Chat;

/// <summary>The chat slice end to end: real users, real WebSockets, real PostgreSQL.</summary>
public sealed class ChatHubTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string NewMessage = nameof(INetraClient.NewMessage);

    private NetraTestServer Server => fixture.Server;

    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task TwoMembersReceiveEachOthersMessagesInSeqOrder()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var a = await HubTestClient.ConnectAsync(Server, alice);
        await using var b = await HubTestClient.ConnectAsync(Server, bob);
        await a.SubscribeAsync(Channels.Chat(chat.Id));
        await b.SubscribeAsync(Channels.Chat(chat.Id));

        var sent = new List<ChatMessage>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add(await (i % 2 == 0 ? a : b).SendAsync(chat.Id, $"message {i}"));
        }

        sent.Select(m => m.Seq).Should().Equal(1, 2, 3, 4, 5);
        sent[0].SenderId.Should().Be(alice.Id);
        sent[0].SenderName.Should().Be(alice.DisplayName);
        sent[1].SenderId.Should().Be(bob.Id);
        foreach (var client in new[] { a, b })
        {
            var received = new List<ChatMessage>();
            for (var i = 0; i < 5; i++)
            {
                received.Add(await client.NextAsync<ChatMessage>(NewMessage));
            }

            received.Should().BeEquivalentTo(sent, options => options.WithStrictOrdering());
        }

        (await Api.GetMessagesAsync(alice, chat.Id)).Should().BeEquivalentTo(sent, options => options.WithStrictOrdering());
    }

    [Fact]
    public async Task ConcurrentSendersGetAGaplessStrictlyIncreasingSequence()
    {
        var users = new[] { await Api.CreateUserAsync("c1"), await Api.CreateUserAsync("c2"), await Api.CreateUserAsync("c3") };
        var chat = await Api.CreateChatAsync(users[0], users[1], users[2]);
        var clients = await Task.WhenAll(users.Select(u => HubTestClient.ConnectAsync(Server, u)));
        try
        {
            var sends = clients.SelectMany((c, i) => Enumerable.Range(0, 10).Select(n => c.SendAsync(chat.Id, $"{i}-{n}")));
            var stored = await Task.WhenAll(sends);

            stored.Select(m => m.Seq).Order().Should().Equal(Enumerable.Range(1, 30).Select(n => (long)n));
            (await Api.GetMessagesAsync(users[0], chat.Id, "?limit=100")).Select(m => m.Seq).Should().Equal(Enumerable.Range(1, 30).Select(n => (long)n));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ANonMemberIsRefusedOnSubscribeSendAndHistory()
    {
        var (owner, outsider) = (await Api.CreateUserAsync("owner"), await Api.CreateUserAsync("outsider"));
        var chat = await Api.CreateChatAsync(owner);
        await using var intruder = await HubTestClient.ConnectAsync(Server, outsider);

        await AssertHubErrorAsync(() => intruder.SubscribeAsync(Channels.Chat(chat.Id), 0), "FORBIDDEN");
        await AssertHubErrorAsync(() => intruder.SendAsync(chat.Id, "let me in"), "FORBIDDEN");
        await AssertHubErrorAsync(() => intruder.Connection.InvokeAsync(HubMethods.SetTyping, chat.Id, true), "FORBIDDEN");

        using var http = Api.CreateClient(outsider);
        var history = await http.GetAsync($"/api/chats/{chat.Id}/messages");
        history.StatusCode.Should().Be(System.Net.HttpStatusCode.Forbidden);
        (await NetraApi.ReadCodeAsync(history)).Should().Be("FORBIDDEN");

        (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(0);
        intruder.Connection.State.Should().Be(HubConnectionState.Connected, "a refused call does not close the connection");
    }

    [Fact]
    public async Task ANonMemberReceivesNothingFromTheChat()
    {
        var (owner, outsider) = (await Api.CreateUserAsync("owner"), await Api.CreateUserAsync("outsider"));
        var chat = await Api.CreateChatAsync(owner);
        await using var member = await HubTestClient.ConnectAsync(Server, owner);
        await using var intruder = await HubTestClient.ConnectAsync(Server, outsider);
        await member.SubscribeAsync(Channels.Chat(chat.Id));
        await AssertHubErrorAsync(() => intruder.SubscribeAsync(Channels.Chat(chat.Id)), "FORBIDDEN");

        await member.SendAsync(chat.Id, "members only");

        (await member.NextAsync<ChatMessage>(NewMessage)).Content.Should().Be("members only");
        (await intruder.StaysQuietAsync(NewMessage)).Should().BeTrue();
    }

    [Fact]
    public async Task TheSameClientMessageIdTwiceStoresOnceBroadcastsOnceAndReturnsTheSameMessage()
    {
        var (alice, bob) = (await Api.CreateUserAsync("idem"), await Api.CreateUserAsync("idem"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var sender = await HubTestClient.ConnectAsync(Server, alice);
        await using var receiver = await HubTestClient.ConnectAsync(Server, bob);
        await receiver.SubscribeAsync(Channels.Chat(chat.Id));
        var clientMessageId = Guid.NewGuid().ToString();

        var first = await sender.SendAsync(chat.Id, "once", clientMessageId);
        var second = await sender.SendAsync(chat.Id, "once", clientMessageId);
        // A retry from another connection of the same user is the same send too.
        await using var otherTab = await HubTestClient.ConnectAsync(Server, alice);
        var third = await otherTab.SendAsync(chat.Id, "once", clientMessageId);
        var next = await sender.SendAsync(chat.Id, "after");

        second.Should().Be(first);
        third.Should().Be(first);
        next.Seq.Should().Be(first.Seq + 1);
        (await receiver.NextAsync<ChatMessage>(NewMessage)).Should().Be(first);
        (await receiver.NextAsync<ChatMessage>(NewMessage)).Should().Be(next, "the retries were not broadcast");
        (await Api.GetMessagesAsync(alice, chat.Id)).Should().HaveCount(2);
    }

    [Fact]
    public async Task ConcurrentRetriesOfOneSendStoreItOnce()
    {
        var alice = await Api.CreateUserAsync("race");
        var chat = await Api.CreateChatAsync(alice);
        var clients = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => HubTestClient.ConnectAsync(Server, alice)));
        try
        {
            var clientMessageId = Guid.NewGuid().ToString();
            var results = await Task.WhenAll(clients.SelectMany(c => Enumerable.Range(0, 4).Select(_ => c.SendAsync(chat.Id, "race", clientMessageId))));

            results.Select(m => m.Id).Distinct().Should().ContainSingle();
            (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(1, "a losing insert must not burn a seq");
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AClientMessageIdCannotBeReusedInAnotherChat()
    {
        var alice = await Api.CreateUserAsync("reuse");
        var (one, two) = (await Api.CreateChatAsync(alice), await Api.CreateChatAsync(alice));
        await using var client = await HubTestClient.ConnectAsync(Server, alice);
        await client.SendAsync(one.Id, "first", "same-id");

        await AssertHubErrorAsync(() => client.SendAsync(two.Id, "second", "same-id"), "VALIDATION_FAILED");
        (await fixture.Server.ReadLastSeqAsync(two.Id)).Should().Be(0);
    }

    public static TheoryData<string, string?, string?, string?, string> InvalidSends() => new()
    {
        { "empty content", "", "id-1", null, "VALIDATION_FAILED" },
        { "whitespace content", "  \n\t ", "id-2", null, "VALIDATION_FAILED" },
        { "null content", null, "id-3", null, "VALIDATION_FAILED" },
        { "content over 4000", new string('x', 4001), "id-4", null, "MESSAGE_TOO_LARGE" },
        { "NUL in content", "a\0b", "id-5", null, "VALIDATION_FAILED" },
        { "escape character", "\u001b[31mred", "id-7", null, "VALIDATION_FAILED" },
        { "missing clientMessageId", "hello", null, null, "VALIDATION_FAILED" },
        { "empty clientMessageId", "hello", "", null, "VALIDATION_FAILED" },
        { "long clientMessageId", "hello", new string('a', 65), null, "VALIDATION_FAILED" },
        { "clientMessageId with spaces", "hello", "a b", null, "VALIDATION_FAILED" },
        { "attachment with a scheme", "hello", "id-8", "https://evil.example/x.png", "VALIDATION_FAILED" },
        { "attachment escaping the upload folder", "hello", "id-9", "/uploads/../appsettings.json", "VALIDATION_FAILED" },
        { "attachment with script", "hello", "id-10", "javascript:alert(1)", "VALIDATION_FAILED" },
    };

    [Theory]
    [MemberData(nameof(InvalidSends))]
    public async Task InvalidSendsGetTheirErrorCodeAndStoreNothing(string why, string? content, string? clientMessageId, string? attachment, string code)
    {
        var alice = await Api.CreateUserAsync("bad");
        var chat = await Api.CreateChatAsync(alice);
        await using var client = await HubTestClient.ConnectAsync(Server, alice);
        await client.SubscribeAsync(Channels.Chat(chat.Id));

        var send = () => client.Connection.InvokeAsync<ChatMessage>(HubMethods.SendMessage, new SendMessageRequest(chat.Id, content, attachment, clientMessageId));

        await AssertHubErrorAsync(send, code, why);
        (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(0, why);
        (await client.StaysQuietAsync(NewMessage)).Should().BeTrue(why);
        (await client.SendAsync(chat.Id, "still works")).Seq.Should().Be(1, "the connection survives a refused call");
    }

    [Theory]
    [InlineData(0L, "VALIDATION_FAILED")]
    [InlineData(-5L, "VALIDATION_FAILED")]
    [InlineData(long.MaxValue, "FORBIDDEN")]
    public async Task SendingToAChatThatCannotExistIsRefused(long chatId, string code)
    {
        var alice = await Api.CreateUserAsync("nochat");
        await using var client = await HubTestClient.ConnectAsync(Server, alice);
        await AssertHubErrorAsync(() => client.SendAsync(chatId, "hello"), code);
    }

    [Fact]
    public async Task ANullOrMalformedSendMessageArgumentIsRefusedAndTheConnectionSurvives()
    {
        var alice = await Api.CreateUserAsync("null");
        var chat = await Api.CreateChatAsync(alice);
        await using var client = await HubTestClient.ConnectAsync(Server, alice);

        await AssertHubErrorAsync(() => client.Connection.InvokeAsync<ChatMessage>(HubMethods.SendMessage, (object?)null), "VALIDATION_FAILED");
        var wrongShape = async () => await client.Connection.InvokeAsync<ChatMessage>(HubMethods.SendMessage, "just a string");
        await wrongShape.Should().ThrowAsync<HubException>();
        var wrongCount = async () => await client.Connection.InvokeAsync<ChatMessage>(HubMethods.SendMessage, 1, 2, 3);
        await wrongCount.Should().ThrowAsync<HubException>();
        var unknown = async () => await client.Connection.InvokeAsync("DropAllTables");
        await unknown.Should().ThrowAsync<HubException>();

        (await client.SendAsync(chat.Id, "fine")).Seq.Should().Be(1);
    }

    public static TheoryData<string?, string> InvalidChannels() => new()
    {
        { "", "VALIDATION_FAILED" },
        { null, "VALIDATION_FAILED" },
        { new string('c', 201), "VALIDATION_FAILED" },
        { "general", "FORBIDDEN" },
        { "chat:", "FORBIDDEN" },
        { "chat:abc", "FORBIDDEN" },
        { "chat:-1", "FORBIDDEN" },
        { "chat:007", "FORBIDDEN" },
        { "chat:1 ", "FORBIDDEN" },
        { "CHAT:1", "FORBIDDEN" },
        { "issue:", "FORBIDDEN" },
        { "issue:a/b", "FORBIDDEN" },
        { "feed:extra", "FORBIDDEN" },
    };

    [Theory]
    [MemberData(nameof(InvalidChannels))]
    public async Task SubscribingToAnUnknownOrMalformedChannelIsRefused(string? channel, string code)
    {
        var user = await Api.CreateUserAsync("chan");
        await using var client = await HubTestClient.ConnectAsync(Server, user);
        await AssertHubErrorAsync(() => client.Connection.InvokeAsync<SubscribeResult>(HubMethods.Subscribe, channel, null), code, channel);
        await AssertHubErrorAsync(() => client.Connection.InvokeAsync(HubMethods.Unsubscribe, channel), code, channel);
    }

    [Theory]
    [InlineData("feed")]
    [InlineData("presence")]
    [InlineData("issues")]
    [InlineData("issue:ENG-42")]
    [InlineData("alerts")]
    public async Task AnySignedInUserMaySubscribeToTheSharedChannels(string channel)
    {
        var user = await Api.CreateUserAsync("shared");
        await using var client = await HubTestClient.ConnectAsync(Server, user);
        var result = await client.SubscribeAsync(channel);
        result.Channel.Should().Be(channel);
        result.Recovered.Should().BeTrue();
        await client.Connection.InvokeAsync(HubMethods.Unsubscribe, channel).WaitAsync(TestTimeouts.Network);
    }

    [Fact]
    public async Task SubscribeWithSinceSeqReturnsExactlyWhatWasMissedInOrder()
    {
        var (alice, bob) = (await Api.CreateUserAsync("resume"), await Api.CreateUserAsync("resume"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var a = await HubTestClient.ConnectAsync(Server, alice);
        var sent = new List<ChatMessage>();
        for (var i = 0; i < 4; i++)
        {
            sent.Add(await a.SendAsync(chat.Id, $"m{i}"));
        }

        await using var b = await HubTestClient.ConnectAsync(Server, bob);
        var fromNow = await b.SubscribeAsync(Channels.Chat(chat.Id));
        fromNow.Should().BeEquivalentTo(new { Channel = Channels.Chat(chat.Id), LastSeq = 4L, Recovered = true });
        fromNow.Missed.Should().BeEmpty();

        var resumed = await b.SubscribeAsync(Channels.Chat(chat.Id), 2);
        resumed.LastSeq.Should().Be(4);
        resumed.Recovered.Should().BeTrue();
        resumed.Missed.Select(e => e.Deserialize<ChatMessage>(NetraApi.Json)).Should().BeEquivalentTo(sent[2..], o => o.WithStrictOrdering());

        (await b.SubscribeAsync(Channels.Chat(chat.Id), 4)).Missed.Should().BeEmpty();
        await AssertHubErrorAsync(() => b.SubscribeAsync(Channels.Chat(chat.Id), -1), "VALIDATION_FAILED");
    }

    [Fact]
    public async Task WhenMoreWasMissedThanOneSubscribeReplaysItSaysNotRecovered()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?> { ["Netra:Chat:MaxReplay"] = "3" });
        var alice = await new NetraApi(server).CreateUserAsync("replay");
        var chat = await new NetraApi(server).CreateChatAsync(alice);
        await using var client = await HubTestClient.ConnectAsync(server, alice);
        for (var i = 0; i < 5; i++)
        {
            await client.SendAsync(chat.Id, $"m{i}");
        }

        var tooFarBack = await client.SubscribeAsync(Channels.Chat(chat.Id), 0);
        var withinReach = await client.SubscribeAsync(Channels.Chat(chat.Id), 2);

        tooFarBack.Recovered.Should().BeFalse();
        tooFarBack.Missed.Select(e => e.Deserialize<ChatMessage>(NetraApi.Json)!.Seq).Should().Equal(1, 2, 3);
        tooFarBack.LastSeq.Should().Be(5);
        withinReach.Recovered.Should().BeTrue();
        withinReach.Missed.Select(e => e.Deserialize<ChatMessage>(NetraApi.Json)!.Seq).Should().Equal(3, 4, 5);
    }

    [Fact]
    public async Task TypingReachesTheOtherMembersButNotTheTypist()
    {
        var (alice, bob) = (await Api.CreateUserAsync("typist"), await Api.CreateUserAsync("reader"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var a = await HubTestClient.ConnectAsync(Server, alice);
        await using var b = await HubTestClient.ConnectAsync(Server, bob);
        await a.SubscribeAsync(Channels.Chat(chat.Id));
        await b.SubscribeAsync(Channels.Chat(chat.Id));

        await a.Connection.InvokeAsync(HubMethods.SetTyping, chat.Id, true).WaitAsync(TestTimeouts.Network);

        var typing = await b.NextAsync<TypingEvent>(nameof(INetraClient.Typing));
        typing.Should().Be(new TypingEvent(chat.Id, alice.Id, alice.UserName, true));
        (await a.StaysQuietAsync(nameof(INetraClient.Typing))).Should().BeTrue();
    }

    [Fact]
    public async Task PingAnswersWithTheServerTime()
    {
        var user = await Api.CreateUserAsync("ping");
        await using var client = await HubTestClient.ConnectAsync(Server, user);
        var pong = await client.Connection.InvokeAsync<PingResult>(HubMethods.Ping).WaitAsync(TestTimeouts.Network);
        pong.ServerTime.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task AFrameOverTheSizeLimitClosesOnlyThatConnection()
    {
        var (alice, bob) = (await Api.CreateUserAsync("big"), await Api.CreateUserAsync("bystander"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var offender = await HubTestClient.ConnectAsync(Server, alice);
        await using var bystander = await HubTestClient.ConnectAsync(Server, bob);
        await bystander.SubscribeAsync(Channels.Chat(chat.Id));

        // 12 KB of content: over the 10 KB frame limit, so SignalR closes the connection before the hub sees it.
        var oversized = offender.Connection.InvokeAsync<ChatMessage>(HubMethods.SendMessage, new SendMessageRequest(chat.Id, new string('x', 12_000), null, "too-big"));
        await oversized.Invoking(t => t.WaitAsync(TestTimeouts.Network)).Should().ThrowAsync<Exception>();
        (await offender.Closed.Task.WaitAsync(TestTimeouts.Network))!.Message.Should().Contain("MESSAGE_TOO_LARGE: a frame may be at most 10240 bytes");

        (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(0);
        bystander.Connection.State.Should().Be(HubConnectionState.Connected);
        (await bystander.SendAsync(chat.Id, "still here")).Seq.Should().Be(1);
        (await bystander.NextAsync<ChatMessage>(NewMessage)).Content.Should().Be("still here");
    }

    private static async Task AssertHubErrorAsync(Func<Task> call, string code, string? because = null)
    {
        var error = await call.Should().ThrowAsync<HubException>(because);
        error.Which.Message.Should().StartWith(code + ": ", because);
    }
}
