using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Netra.Client.Transport;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Client;

/// <summary>Netra.Client's WebSocket transport against a server that misbehaves on purpose.</summary>
public sealed class WebSocketTransportTests
{
    [Fact]
    public async Task AServerMessageLargerThanTheLimitClosesTheConnectionWithAClearErrorInsteadOfGrowingTheBuffer()
    {
        const int Limit = 64 * 1024;
        await using var server = await StartServerAsync(async socket =>
        {
            // One message that never ends: 1 MB in 16 KB frames without EndOfMessage.
            var chunk = new byte[16 * 1024];
            for (var i = 0; i < 64 && socket.State == WebSocketState.Open; i++)
            {
                await socket.SendAsync(chunk, WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
            }
        });
        var factory = new WebSocketConnectionFactory(
            Options.Create(new WebSocketConnectionOptions { SkipNegotiation = true, MaximumReceiveMessageSize = Limit }),
            NullLoggerFactory.Instance);

        await using var connection = await factory.ConnectAsync(new UriEndPoint(new Uri(server.Urls.First() + "/ws")));
        var read = async () =>
        {
            while (true)
            {
                var result = await connection.Transport.Input.ReadAsync();
                if (result.IsCompleted)
                {
                    return;
                }

                connection.Transport.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        };

        (await read.Should().ThrowAsync<InvalidDataException>().WaitAsync(TestTimeouts.Network))
            .Which.Message.Should().Contain($"larger than {Limit} bytes");
    }

    [Fact]
    public void ANegativeLimitIsRefused()
    {
        var options = new WebSocketConnectionOptions();
        var set = () => options.MaximumReceiveMessageSize = -1;
        set.Should().Throw<ArgumentOutOfRangeException>();
    }

    private static Task<WebApplication> StartServerAsync(Func<WebSocket, Task> talk) =>
        WebSocketTestApp.StartAsync(async context =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await talk(socket);
            // Keep the socket until the client goes away.
            var buffer = new byte[1024];
            try
            {
                while ((await socket.ReceiveAsync(buffer, context.RequestAborted)).MessageType != WebSocketMessageType.Close)
                {
                }
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
                // The client aborted, as it should after an oversize message.
            }
        });
}
