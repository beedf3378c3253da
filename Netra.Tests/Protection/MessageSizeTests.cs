using System.Text.Json;
using FluentAssertions;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Protection;

/// <summary>The 10 KB frame limit at its boundary, counted as SignalR counts it: the record with its separator.</summary>
public sealed class MessageSizeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task AFrameOfExactly10240BytesIsServed()
    {
        var user = await fixture.Api.CreateUserAsync("size");
        await using var raw = await RawHubClient.ConnectAsync(fixture.Server, user.Token);

        await raw.SendRawAsync(PingFrameOf(10_240, "at-limit"));

        var reply = await NextOfTypeAsync(raw, 3);
        reply.GetProperty("invocationId").GetString().Should().Be("at-limit");
        reply.TryGetProperty("result", out _).Should().BeTrue();
    }

    [Fact]
    public async Task AFrameOf10241BytesClosesThatConnectionWithMessageTooLarge()
    {
        var user = await fixture.Api.CreateUserAsync("size");
        await using var raw = await RawHubClient.ConnectAsync(fixture.Server, user.Token);
        await using var bystander = await RawHubClient.ConnectAsync(fixture.Server, user.Token);

        await raw.SendRawAsync(PingFrameOf(10_241, "over"));

        var close = await NextOfTypeAsync(raw, 7);
        close.GetProperty("error").GetString().Should().StartWith("MESSAGE_TOO_LARGE: a frame may be at most 10240 bytes");
        (await bystander.InvokeRawAsync("Ping", "[]")).TryGetProperty("result", out _).Should().BeTrue("other connections are unaffected");
    }

    /// <summary>A Ping invocation padded with an ignored property to exactly <paramref name="totalBytes"/>, separator included.</summary>
    private static string PingFrameOf(int totalBytes, string invocationId)
    {
        var head = $$"""{"type":1,"invocationId":"{{invocationId}}","target":"Ping","arguments":[],"pad":" """.TrimEnd();
        const string tail = "\"}\u001e";
        return head + new string('x', totalBytes - head.Length - tail.Length) + tail;
    }

    private static async Task<JsonElement> NextOfTypeAsync(RawHubClient raw, int type)
    {
        while (true)
        {
            var message = await raw.ReceiveAsync();
            if (message.GetProperty("type").GetInt32() == type)
            {
                return message;
            }
        }
    }
}
