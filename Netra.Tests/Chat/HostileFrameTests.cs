using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions;
using Netra.Contracts;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Chat;

/// <summary>Frames no client library would send, written by hand: each is refused with a code and harms nobody else.</summary>
public sealed class HostileFrameTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private NetraApi Api => fixture.Api;

    public static TheoryData<string, string, string> BadInvocations() => new()
    {
        { "lone surrogate in content", "SendMessage", """[{"chatId":CHAT,"content":"a\ud800b","clientMessageId":"s-1"}]""" },
        { "chatId as a string", "SendMessage", """[{"chatId":"CHAT","content":"hi","clientMessageId":"s-2"}]""" },
        { "chatId as a float", "SendMessage", """[{"chatId":1.5,"content":"hi","clientMessageId":"s-3"}]""" },
        { "content as an object", "SendMessage", """[{"chatId":CHAT,"content":{"$gt":""},"clientMessageId":"s-4"}]""" },
        { "argument is an array", "SendMessage", """[[1,2,3]]""" },
        { "too many arguments", "SendMessage", """[{"chatId":CHAT,"content":"hi","clientMessageId":"s-5"},2]""" },
        { "no arguments", "Subscribe", """[]""" },
        { "sinceSeq as text", "Subscribe", """["chat:CHAT","zero"]""" },
        { "sinceSeq overflowing long", "Subscribe", """["chat:CHAT",99999999999999999999999]""" },
        { "isTyping as a string", "SetTyping", """[CHAT,"yes"]""" },
    };

    [Theory]
    [MemberData(nameof(BadInvocations))]
    public async Task MalformedArgumentsAreRefusedWithValidationFailedAndStoreNothing(string why, string target, string arguments)
    {
        var user = await Api.CreateUserAsync("raw");
        var chat = await Api.CreateChatAsync(user);
        await using var raw = await RawHubClient.ConnectAsync(fixture.Server, user.Token);

        var completion = await raw.InvokeRawAsync(target, arguments.Replace("CHAT", chat.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        completion.TryGetProperty("error", out var error).Should().BeTrue(why);
        error.GetString().Should().StartWith("VALIDATION_FAILED: ", why);
        (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(0, why);
        var ok = await raw.InvokeRawAsync("Ping", "[]");
        ok.TryGetProperty("result", out _).Should().BeTrue("the connection survives: " + why);
    }

    [Fact]
    public async Task AnUnknownHubMethodIsNotFound()
    {
        var user = await Api.CreateUserAsync("raw");
        await using var raw = await RawHubClient.ConnectAsync(fixture.Server, user.Token);
        var completion = await raw.InvokeRawAsync("DropAllTables", "[]");
        completion.GetProperty("error").GetString().Should().StartWith("NOT_FOUND: ");
    }

    [Theory]
    [InlineData(1, "StartAgentRun", """[{"prompt":"hi"}]""")]
    [InlineData(4, "Ping", "[]")]
    public async Task CallingAMethodInTheWrongModeIsAValidationError(int type, string target, string arguments)
    {
        var user = await Api.CreateUserAsync("raw");
        await using var raw = await RawHubClient.ConnectAsync(fixture.Server, user.Token);

        await raw.SendRawAsync($$"""{"type":{{type}},"invocationId":"wrong-mode","target":"{{target}}","arguments":{{arguments}}}""" + "\u001e");
        JsonElement completion;
        do
        {
            completion = await raw.ReceiveAsync();
        }
        while (completion.GetProperty("type").GetInt32() != 3 || completion.GetProperty("invocationId").GetString() != "wrong-mode");

        completion.GetProperty("error").GetString().Should().StartWith("VALIDATION_FAILED: ").And.Contain(target);
        (await raw.InvokeRawAsync("Ping", "[]")).TryGetProperty("result", out _).Should().BeTrue("the connection survives");
    }

    [Theory]
    [InlineData("{not json}\u001e")]
    [InlineData("{\"type\":1,\"target\":\u001e")]
    [InlineData("\u001e\u001e\u001e")]
    [InlineData("{\"type\":99}\u001e")]
    public async Task AGarbageFrameClosesOnlyThatConnection(string frame)
    {
        var (alice, bob) = (await Api.CreateUserAsync("garbage"), await Api.CreateUserAsync("bystander"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var bystander = await UserClient.ConnectAsync(fixture.Server, bob);
        await bystander.SubscribeAsync(Channels.Chat(chat.Id));
        await using var raw = await RawHubClient.ConnectAsync(fixture.Server, alice.Token);

        await raw.SendRawAsync(frame);

        // The server closes that connection (SignalR's behaviour for a frame it cannot parse).
        var closed = async () =>
        {
            while (true)
            {
                await raw.ReceiveAsync();
            }
        };
        await closed.Should().ThrowAsync<WebSocketException>();
        (await bystander.SendAsync(chat.Id, "unaffected")).Seq.Should().Be(1);
        (await bystander.Messages.NextAsync()).Content.Should().Be("unaffected");
    }
}
