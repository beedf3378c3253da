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

/// <summary>
/// The chat hub as the wire carries it (users who only chat are <see cref="UserClient"/>s, in <see cref="ChatHubTests"/>).
/// </summary>
/// <remarks>
/// Speaks the wire through <see cref="HubTestClient"/> on purpose: it reads Subscribe's reply itself, sends what NetraClient
/// never sends (null fields, wrong shapes, oversized frames), and counts broadcasts that NetraClient would drop as repeats.
/// </remarks>
public sealed class ChatWireTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string NewMessage = nameof(INetraClient.NewMessage);

    private NetraTestServer Server => fixture.Server;

    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task TheSameClientMessageIdTwiceStoresOnceBroadcastsOnceAndReturnsTheSameMessage()
    {
        var (alice, bob) = (await Api.CreateUserAsync("idem"), await Api.CreateUserAsync("idem"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var sender = await UserClient.ConnectAsync(Server, alice);
        await using var receiver = await HubTestClient.ConnectAsync(Server, bob);
        await receiver.SubscribeAsync(Channels.Chat(chat.Id));
        var clientMessageId = Guid.NewGuid().ToString();

        var first = await sender.Client.SendMessageAsync(chat.Id, "once", clientMessageId: clientMessageId).WaitAsync(TestTimeouts.Network);
        var second = await sender.Client.SendMessageAsync(chat.Id, "once", clientMessageId: clientMessageId).WaitAsync(TestTimeouts.Network);
        // A retry from another connection of the same user is the same send too.
        await using var otherTab = await UserClient.ConnectAsync(Server, alice);
        var third = await otherTab.Client.SendMessageAsync(chat.Id, "once", clientMessageId: clientMessageId).WaitAsync(TestTimeouts.Network);
        var next = await sender.SendAsync(chat.Id, "after");

        second.Should().Be(first);
        third.Should().Be(first);
        next.Seq.Should().Be(first.Seq + 1);
        (await receiver.NextAsync<ChatMessage>(NewMessage)).Should().Be(first);
        (await receiver.NextAsync<ChatMessage>(NewMessage)).Should().Be(next, "the retries were not broadcast");
        (await Api.GetMessagesAsync(alice, chat.Id)).Should().HaveCount(2);
    }

    /// <summary>Sends NetraClient cannot make (it requires content and generates a clientMessageId); the others are in <see cref="ChatHubTests"/>.</summary>
    public static TheoryData<string, string?, string?> SendsWithMissingFields() => new()
    {
        { "null content", null, "id-3" },
        { "missing clientMessageId", "hello", null },
    };

    [Theory]
    [MemberData(nameof(SendsWithMissingFields))]
    public async Task ASendWithoutContentOrClientMessageIdIsAValidationErrorAndStoresNothing(string why, string? content, string? clientMessageId)
    {
        var owner = await Api.CreateUserAsync("bad");
        var chat = await Api.CreateChatAsync(owner);
        var request = new SendMessageRequest(chat.Id, content, null, clientMessageId);
        await using var raw = await HubTestClient.ConnectAsync(Server, owner);
        await raw.SubscribeAsync(Channels.Chat(chat.Id));

        await AssertHubErrorAsync(() => raw.Connection.InvokeAsync<ChatMessage>(HubMethods.SendMessage, request), "VALIDATION_FAILED", why);

        (await raw.StaysQuietAsync(NewMessage)).Should().BeTrue(why);
        (await raw.SendAsync(chat.Id, "still works")).Seq.Should().Be(1, "the refused send stored nothing and the connection survives it: " + why);
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

    [Fact]
    public async Task SubscribeWithSinceSeqReturnsExactlyWhatWasMissedInOrder()
    {
        var (alice, bob) = (await Api.CreateUserAsync("resume"), await Api.CreateUserAsync("resume"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var a = await UserClient.ConnectAsync(Server, alice);
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
        tooFarBack.Missed.Should().BeEmpty("beyond the replay limit the client reloads from history (protocol.md)");
        tooFarBack.LastSeq.Should().Be(5);
        withinReach.Recovered.Should().BeTrue();
        withinReach.Missed.Select(e => e.Deserialize<ChatMessage>(NetraApi.Json)!.Seq).Should().Equal(3, 4, 5);
    }

    [Fact]
    public async Task AFrameOverTheSizeLimitClosesOnlyThatConnection()
    {
        var (alice, bob) = (await Api.CreateUserAsync("big"), await Api.CreateUserAsync("bystander"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var offender = await HubTestClient.ConnectAsync(Server, alice);
        await using var bystander = await UserClient.ConnectAsync(Server, bob);
        await bystander.SubscribeAsync(Channels.Chat(chat.Id));

        // 12 KB of content: over the 10 KB frame limit, so SignalR closes the connection before the hub sees it.
        var oversized = offender.Connection.InvokeAsync<ChatMessage>(HubMethods.SendMessage, new SendMessageRequest(chat.Id, new string('x', 12_000), null, "too-big"));
        await oversized.Invoking(t => t.WaitAsync(TestTimeouts.Network)).Should().ThrowAsync<Exception>();
        (await offender.Closed.Task.WaitAsync(TestTimeouts.Network))!.Message.Should().Contain("MESSAGE_TOO_LARGE: a frame may be at most 10240 bytes");

        (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(0);
        bystander.Client.State.Should().Be(Netra.Client.NetraConnectionState.Connected);
        (await bystander.SendAsync(chat.Id, "still here")).Seq.Should().Be(1);
        (await bystander.Messages.NextAsync()).Content.Should().Be("still here");
    }

    private static async Task AssertHubErrorAsync(Func<Task> call, string code, string? because = null)
    {
        var error = await FluentActions.Awaiting(() => call().WaitAsync(TestTimeouts.Network)).Should().ThrowAsync<HubException>(because);
        error.Which.Message.Should().StartWith(code + ": ", because);
    }
}
