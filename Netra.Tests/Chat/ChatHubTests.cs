using FluentAssertions;
using Netra.Client;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Chat;

/// <summary>
/// The chat slice end to end, users played by Netra.Client: real WebSockets, real PostgreSQL. What only the wire
/// shows (Subscribe's reply, sends no Netra client makes, a broadcast NetraClient would drop) is in <see cref="ChatWireTests"/>.
/// </summary>
public sealed class ChatHubTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private NetraTestServer Server => fixture.Server;

    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task TwoMembersReceiveEachOthersMessagesInSeqOrder()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var a = await UserClient.ConnectAsync(Server, alice);
        await using var b = await UserClient.ConnectAsync(Server, bob);
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
            (await client.Messages.TakeAsync(5)).Should().BeEquivalentTo(sent, options => options.WithStrictOrdering());
        }

        (await Api.GetMessagesAsync(alice, chat.Id)).Should().BeEquivalentTo(sent, options => options.WithStrictOrdering());
    }

    [Fact]
    public async Task ConcurrentSendersGetAGaplessStrictlyIncreasingSequence()
    {
        var users = new[] { await Api.CreateUserAsync("c1"), await Api.CreateUserAsync("c2"), await Api.CreateUserAsync("c3") };
        var chat = await Api.CreateChatAsync(users[0], users[1], users[2]);
        var clients = await Task.WhenAll(users.Select(u => UserClient.ConnectAsync(Server, u)));
        try
        {
            var sends = clients.SelectMany((c, i) => Enumerable.Range(0, 10).Select(n => c.SendAsync(chat.Id, $"{i}-{n}")));
            var stored = await Task.WhenAll(sends);

            stored.Select(m => m.Seq).Order().Should().Equal(Seqs.Range(1, 30));
            (await Api.GetMessagesAsync(users[0], chat.Id, "?limit=100")).Select(m => m.Seq).Should().Equal(Seqs.Range(1, 30));
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task ANonMemberIsRefusedOnSubscribeSendAndHistory()
    {
        var (owner, outsider) = (await Api.CreateUserAsync("owner"), await Api.CreateUserAsync("outsider"));
        var chat = await Api.CreateChatAsync(owner);
        await using var intruder = await UserClient.ConnectAsync(Server, outsider);

        await Expect.RefusedAsync(() => intruder.Client.SubscribeAsync(Channels.Chat(chat.Id), 0), ErrorCodes.Forbidden);
        await Expect.RefusedAsync(() => intruder.Client.SendMessageAsync(chat.Id, "let me in"), ErrorCodes.Forbidden);
        await Expect.RefusedAsync(() => intruder.Client.SetTypingAsync(chat.Id, true), ErrorCodes.Forbidden);

        using var http = Api.CreateClient(outsider);
        var history = await http.GetAsync($"/api/chats/{chat.Id}/messages");
        history.StatusCode.Should().Be(System.Net.HttpStatusCode.Forbidden);
        (await NetraApi.ReadCodeAsync(history)).Should().Be("FORBIDDEN");

        (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(0);
        intruder.Client.State.Should().Be(NetraConnectionState.Connected, "a refused call does not close the connection");
    }

    [Fact]
    public async Task ANonMemberReceivesNothingFromTheChat()
    {
        var (owner, outsider) = (await Api.CreateUserAsync("owner"), await Api.CreateUserAsync("outsider"));
        var chat = await Api.CreateChatAsync(owner);
        await using var member = await UserClient.ConnectAsync(Server, owner);
        await using var intruder = await UserClient.ConnectAsync(Server, outsider);
        await member.SubscribeAsync(Channels.Chat(chat.Id));
        await Expect.RefusedAsync(() => intruder.Client.SubscribeAsync(Channels.Chat(chat.Id)), ErrorCodes.Forbidden);

        await member.SendAsync(chat.Id, "members only");

        (await member.Messages.NextAsync()).Content.Should().Be("members only");
        (await intruder.Messages.StaysQuietAsync()).Should().BeTrue();
    }

    [Fact]
    public async Task ConcurrentRetriesOfOneSendStoreItOnce()
    {
        var alice = await Api.CreateUserAsync("race");
        var chat = await Api.CreateChatAsync(alice);
        var clients = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => UserClient.ConnectAsync(Server, alice)));
        try
        {
            var clientMessageId = Guid.NewGuid().ToString();
            var results = await Task.WhenAll(clients.SelectMany(c => Enumerable.Range(0, 4)
                .Select(_ => c.Client.SendMessageAsync(chat.Id, "race", clientMessageId: clientMessageId).WaitAsync(TestTimeouts.Network))));

            results.Select(m => m.Id).Distinct().Should().ContainSingle();
            (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(1, "a losing insert must not burn a seq");
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task AClientMessageIdCannotBeReusedInAnotherChat()
    {
        var alice = await Api.CreateUserAsync("reuse");
        var (one, two) = (await Api.CreateChatAsync(alice), await Api.CreateChatAsync(alice));
        await using var client = await UserClient.ConnectAsync(Server, alice);
        await client.Client.SendMessageAsync(one.Id, "first", clientMessageId: "same-id").WaitAsync(TestTimeouts.Network);

        await Expect.RefusedAsync(() => client.Client.SendMessageAsync(two.Id, "second", clientMessageId: "same-id"), ErrorCodes.ValidationFailed);
        (await fixture.Server.ReadLastSeqAsync(two.Id)).Should().Be(0);
    }

    /// <summary>Sends a user can make through <see cref="NetraClient"/>; those it cannot (no content, no clientMessageId) are in <see cref="ChatWireTests"/>.</summary>
    public static TheoryData<string, string, string, string?, string> InvalidSends() => new()
    {
        { "empty content", "", "id-1", null, "VALIDATION_FAILED" },
        { "whitespace content", "  \n\t ", "id-2", null, "VALIDATION_FAILED" },
        { "content over 4000", new string('x', 4001), "id-4", null, "MESSAGE_TOO_LARGE" },
        { "NUL in content", "a\0b", "id-5", null, "VALIDATION_FAILED" },
        { "escape character", "\u001b[31mred", "id-7", null, "VALIDATION_FAILED" },
        { "empty clientMessageId", "hello", "", null, "VALIDATION_FAILED" },
        { "long clientMessageId", "hello", new string('a', 65), null, "VALIDATION_FAILED" },
        { "clientMessageId with spaces", "hello", "a b", null, "VALIDATION_FAILED" },
        { "clientMessageId ending in a line feed", "hello", "id-11\n", null, "VALIDATION_FAILED" },
        { "attachment with a scheme", "hello", "id-8", "https://evil.example/x.png", "VALIDATION_FAILED" },
        { "attachment escaping the upload folder", "hello", "id-9", "/uploads/../appsettings.json", "VALIDATION_FAILED" },
        { "attachment with script", "hello", "id-10", "javascript:alert(1)", "VALIDATION_FAILED" },
        { "attachment ending in a line feed", "hello", "id-12", "/uploads/0123456789abcdef0123456789abcdef.png\n", "VALIDATION_FAILED" },
    };

    [Theory]
    [MemberData(nameof(InvalidSends))]
    public async Task InvalidSendsGetTheirErrorCodeAndStoreNothing(string why, string content, string clientMessageId, string? attachment, string code)
    {
        var alice = await Api.CreateUserAsync("bad");
        var chat = await Api.CreateChatAsync(alice);
        await using var client = await UserClient.ConnectAsync(Server, alice);
        await client.SubscribeAsync(Channels.Chat(chat.Id));

        await Expect.RefusedAsync(() => client.Client.SendMessageAsync(chat.Id, content, attachment, clientMessageId), code, why);

        (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(0, why);
        (await client.Messages.StaysQuietAsync()).Should().BeTrue(why);
        (await client.SendAsync(chat.Id, "still works")).Seq.Should().Be(1, "the connection survives a refused call");
    }

    [Theory]
    [InlineData(0L, "VALIDATION_FAILED")]
    [InlineData(-5L, "VALIDATION_FAILED")]
    [InlineData(long.MaxValue, "FORBIDDEN")]
    public async Task SendingToAChatThatCannotExistIsRefused(long chatId, string code)
    {
        var alice = await Api.CreateUserAsync("nochat");
        await using var client = await UserClient.ConnectAsync(Server, alice);
        await Expect.RefusedAsync(() => client.Client.SendMessageAsync(chatId, "hello"), code);
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
        await using var client = await UserClient.ConnectAsync(Server, user);

        await client.SubscribeAsync(channel);
        client.Client.SubscribedChannels.Should().Equal(channel);
        (await client.ResumeIncomplete.StaysQuietAsync()).Should().BeTrue("subscribing from now is always recovered");

        await client.Client.UnsubscribeAsync(channel).WaitAsync(TestTimeouts.Network);
        client.Client.SubscribedChannels.Should().BeEmpty();
    }

    [Fact]
    public async Task TypingReachesTheOtherMembersButNotTheTypist()
    {
        var (alice, bob) = (await Api.CreateUserAsync("typist"), await Api.CreateUserAsync("reader"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var a = await UserClient.ConnectAsync(Server, alice);
        await using var b = await UserClient.ConnectAsync(Server, bob);
        await a.SubscribeAsync(Channels.Chat(chat.Id));
        await b.SubscribeAsync(Channels.Chat(chat.Id));

        await a.Client.SetTypingAsync(chat.Id, true).WaitAsync(TestTimeouts.Network);

        (await b.Typing.NextAsync()).Should().Be(new TypingEvent(chat.Id, alice.Id, alice.UserName, true));
        (await a.Typing.StaysQuietAsync()).Should().BeTrue();
    }

    [Fact]
    public async Task PingAnswersWithTheServerTime()
    {
        var user = await Api.CreateUserAsync("ping");
        await using var client = await UserClient.ConnectAsync(Server, user);
        var serverTime = await client.Client.PingAsync().WaitAsync(TestTimeouts.Network);
        serverTime.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }
}
