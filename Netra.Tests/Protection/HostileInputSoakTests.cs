using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Netra.Contracts;
using Netra.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Netra.Tests.Protection;

/// <summary>
/// Over a thousand malformed or hostile frames through raw WebSockets while two honest users chat:
/// the node stays up, the honest users (played by Netra.Client) get every message in order, memory stays bounded and nothing
/// unexpected is logged. Bounded in frames and in time.
/// </summary>
public sealed class HostileInputSoakTests(ITestOutputHelper output)
{
    private const int HostileFrames = 1200;
    private const int HonestMessages = 40;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TheServerSurvivesAThousandHostileFramesWhileHonestClientsChat()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?>
        {
            // The attackers reconnect after every frame that closes their socket; this test is about frames, not connect floods.
            ["Netra:Limits:ConnectAttemptsPerMinutePerIp"] = "100000",
            ["Netra:Limits:CallsPerMinute"] = "100000",
            ["Netra:Limits:MaxConnectionsPerUser"] = "50",
        });
        await using var scene = await HonestChat.StartAsync(server);
        var (a, b, chatId) = (scene.Alice, scene.Bob, scene.ChatId);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        using var deadline = new CancellationTokenSource(Budget);
        var honest = Task.Run(async () =>
        {
            for (var i = 1; i <= HonestMessages; i++)
            {
                await a.SendAsync(chatId, $"honest {i}");
                await Task.Delay(25, deadline.Token);
            }
        });
        var (sent, reconnects) = await AttackAsync(server, scene.Mallory.Token, chatId, deadline.Token);
        await honest.WaitAsync(TestTimeouts.Network);

        var received = await b.Messages.TakeAsync(HonestMessages);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var growth = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        output.WriteLine($"hostile frames sent: {sent}, attacker reconnects: {reconnects}, managed memory growth: {growth / 1024} KiB");

        sent.Should().BeGreaterThanOrEqualTo(1000);
        received.Select(m => m.Content).Should().Equal(Enumerable.Range(1, HonestMessages).Select(i => $"honest {i}"));
        received.Select(m => m.Seq).Should().BeInAscendingOrder();
        (await server.ReadLastSeqAsync(chatId)).Should().Be(HonestMessages, "no hostile frame stored anything");
        growth.Should().BeLessThan(64L * 1024 * 1024);
        server.Logs.Lines.Where(l => l.Category.StartsWith("Netra", StringComparison.Ordinal) && l.Level >= LogLevel.Error)
            .Should().BeEmpty("hostile input is expected input, not an unhandled failure");
        await a.Client.PingAsync().WaitAsync(TestTimeouts.Network);
    }

    private static async Task<(int Sent, int Reconnects)> AttackAsync(NetraTestServer server, string token, long chatId, CancellationToken cancellationToken)
    {
        var frames = HostileFrameCatalog(chatId);
        var sent = 0;
        var reconnects = -1;
        ClientWebSocket? socket = null;
        var reader = Task.CompletedTask;
        try
        {
            while (sent < HostileFrames && !cancellationToken.IsCancellationRequested)
            {
                if (socket is null || reader.IsCompleted)
                {
                    socket?.Dispose();
                    socket = await OpenAsync(server, token, cancellationToken);
                    reader = ReadUntilClosedAsync(socket);
                    reconnects++;
                }

                var (payload, type) = frames[sent % frames.Count];
                try
                {
                    await socket.SendAsync(payload, type, endOfMessage: true, cancellationToken);
                    sent++;
                }
                catch (Exception exception) when (exception is WebSocketException or IOException
                    || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // The server closed or reset this socket because of an earlier frame, the expected answer
                    // (a reset mid-send surfaces as a cancellation from ClientWebSocket): reconnect.
                    await reader;
                    continue;
                }

                // Give the server a moment to answer or close before the next frame.
                await Task.WhenAny(reader, Task.Delay(5, cancellationToken));
            }
        }
        finally
        {
            socket?.Abort();
            socket?.Dispose();
        }

        return (sent, reconnects);
    }

    /// <summary>Reads and discards the server's answers until it closes the socket or the socket breaks.</summary>
    private static async Task ReadUntilClosedAsync(ClientWebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A reset instead of a close handshake, or the attack loop disposing the socket at the end: the socket is over either way.
        }
    }

    private static async Task<ClientWebSocket> OpenAsync(NetraTestServer server, string token, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        var url = new UriBuilder(server.HubUrl) { Scheme = "ws", Query = "access_token=" + Uri.EscapeDataString(token) };
        await socket.ConnectAsync(url.Uri, cancellationToken);
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, cancellationToken);
        return socket;
    }

    private static List<(byte[] Payload, WebSocketMessageType Type)> HostileFrameCatalog(long chatId)
    {
        static (byte[], WebSocketMessageType) Text(string s) => (Encoding.UTF8.GetBytes(s + "\u001e"), WebSocketMessageType.Text);
        var deep = new string('[', 5000) + new string(']', 5000);
        var frames = new List<(byte[], WebSocketMessageType)>
        {
            Text("{not json"),
            Text("{\"type\":1,\"invocationId\":\"1\",\"target\":\"SendMessage\",\"arguments\":[{\"chatId\":\"x\"}]}"),
            Text("{\"type\":1,\"invocationId\":\"2\",\"target\":\"SendMessage\",\"arguments\":[{\"chatId\":" + chatId + ",\"content\":\"\",\"clientMessageId\":\"a\"}]}"),
            Text("{\"type\":1,\"invocationId\":\"3\",\"target\":\"SendMessage\",\"arguments\":[{\"chatId\":" + chatId + ",\"content\":\"intruder\",\"clientMessageId\":\"b\"}]}"),
            Text("{\"type\":1,\"invocationId\":\"4\",\"target\":\"Subscribe\",\"arguments\":[\"chat:" + chatId + "\",null]}"),
            Text("{\"type\":1,\"invocationId\":\"5\",\"target\":\"DropAllTables\",\"arguments\":[]}"),
            Text("{\"type\":1,\"invocationId\":\"6\",\"target\":\"Subscribe\",\"arguments\":[" + deep + "]}"),
            Text("{\"type\":1,\"invocationId\":\"7\",\"target\":\"Ping\",\"arguments\":[],\"x\":\"" + new string('A', 20_000) + "\"}"),
            Text("{\"type\":1,\"invocationId\":\"8\",\"target\":\"Subscribe\",\"arguments\":[\"" + new string('c', 5000) + "\",1]}"),
            Text("{\"type\":1,\"invocationId\":\"9\",\"target\":\"SetTyping\",\"arguments\":[" + chatId + ",\"yes\"]}"),
            Text("{\"type\":99}"),
            Text("{\"type\":1,\"invocationId\":\"10\",\"target\":\"SendMessage\",\"arguments\":[{\"chatId\":" + chatId + ",\"content\":\"\\ud800\",\"clientMessageId\":\"c\"}]}"),
            Text("{\"protocol\":\"messagepack\",\"version\":1}"),
            Text("\u001e\u001e"),
            ([0xC3, 0x28, 0xA0, 0xA1, 0x1E], WebSocketMessageType.Text),
            ([0x00, 0x01, 0x02, 0xFF, 0xFE], WebSocketMessageType.Binary),
        };
        return frames;
    }
}
