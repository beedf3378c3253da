using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Netra.Bench;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Bench;

/// <summary>
/// The generator's own WebSocket client (frames read straight off the socket) against ASP.NET Core's server side:
/// every framing a server may use, pings, the close handshake and a refused upgrade.
/// </summary>
public sealed class FrameSocketTests
{
    [Fact]
    public async Task MessagesArriveWholeWhateverTheirFramingAndTheClientsFramesAreAccepted()
    {
        var large = new byte[70_000]; // a 64-bit length
        Random.Shared.NextBytes(large);
        var echoed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await WebSocketTestApp.StartAsync(async context =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await socket.SendAsync("one"u8.ToArray(), WebSocketMessageType.Text, true, default);
            await socket.SendAsync("frag"u8.ToArray(), WebSocketMessageType.Text, false, default);
            await socket.SendAsync("men"u8.ToArray(), WebSocketMessageType.Text, false, default);
            await socket.SendAsync("ted"u8.ToArray(), WebSocketMessageType.Text, true, default);
            await socket.SendAsync(new string('x', 300).Select(c => (byte)c).ToArray(), WebSocketMessageType.Text, true, default); // a 16-bit length
            await socket.SendAsync(large, WebSocketMessageType.Binary, true, default);

            // What the client sends (masked, as the server insists) comes back with a prefix, then the server closes.
            var buffer = new byte[1024];
            var received = await socket.ReceiveAsync(buffer, default);
            var text = Encoding.UTF8.GetString(buffer, 0, received.Count);
            echoed.SetResult(text);
            await socket.SendAsync(Encoding.UTF8.GetBytes("got " + text), WebSocketMessageType.Text, true, default);
            await socket.CloseAsync((WebSocketCloseStatus)4001, "bye", default);
        });

        using var client = await FrameSocket.ConnectAsync(WebSocketUrl(server), origin: null, bufferSize: 64, CancellationToken.None);

        Text(await client.ReceiveAsync(default)).Should().Be("one");
        Text(await client.ReceiveAsync(default)).Should().Be("fragmented");
        Text(await client.ReceiveAsync(default)).Should().Be(new string('x', 300));
        (await client.ReceiveAsync(default)).ToArray().Should().Equal(large);
        await client.SendTextAsync("hello from the generator"u8.ToArray(), default);
        (await echoed.Task.WaitAsync(TestTimeouts.Network)).Should().Be("hello from the generator");
        Text(await client.ReceiveAsync(default)).Should().Be("got hello from the generator");

        var closed = async () => await client.ReceiveAsync(default);
        (await closed.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("4001").And.Contain("bye");
        client.IsOpen.Should().BeFalse();
    }

    [Fact]
    public async Task PingsAreAnsweredSoAServerThatWaitsForPongsKeepsTheConnection()
    {
        await using var server = await WebSocketTestApp.StartAsync(async context =>
        {
            // Pings every 100 ms; a pong not back within 1 s aborts the connection.
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = TimeSpan.FromMilliseconds(100),
                KeepAliveTimeout = TimeSpan.FromSeconds(1),
            });
            var buffer = new byte[64];
            var reading = socket.ReceiveAsync(buffer, default); // pongs are read by a pending receive
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            await socket.SendAsync("still here"u8.ToArray(), WebSocketMessageType.Text, true, default);
            await reading;
        });

        using var client = await FrameSocket.ConnectAsync(WebSocketUrl(server), origin: null, bufferSize: 4096, CancellationToken.None);

        Text(await client.ReceiveAsync(default).AsTask().WaitAsync(TestTimeouts.Network)).Should().Be("still here");
        await client.SendTextAsync("done"u8.ToArray(), default);
    }

    [Fact]
    public async Task AnUpgradeTheServerRefusesFailsWithWhatTheServerAnswered()
    {
        await using var server = await WebSocketTestApp.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        });

        var connect = () => FrameSocket.ConnectAsync(WebSocketUrl(server), "http://elsewhere.test", 4096, CancellationToken.None);

        (await connect.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("403");
    }

    private static string Text(ReadOnlyMemory<byte> message) => Encoding.UTF8.GetString(message.Span);

    private static Uri WebSocketUrl(WebApplication server) => new(server.Urls.First().Replace("http://", "ws://", StringComparison.Ordinal) + "/ws");
}
