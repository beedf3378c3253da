using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// A WebSocket client written byte by byte over TCP, to send what no WebSocket library would: unmasked frames, reserved
/// bits, oversized control frames, a message split anywhere. Reads the server's frames as they come.
/// </summary>
public sealed class RawWebSocket : IAsyncDisposable
{
    private readonly TcpClient tcp;
    private readonly NetworkStream stream;
    private readonly List<byte> received = [];

    private RawWebSocket(TcpClient tcp)
    {
        this.tcp = tcp;
        stream = tcp.GetStream();
    }

    /// <summary>The server's answer to the handshake: its status line and headers.</summary>
    public string ResponseHead { get; private set; } = "";

    /// <summary>Opens a TCP connection to the server, for a request head of one's own making (<see cref="WriteAsync"/>).</summary>
    public static async Task<RawWebSocket> OpenAsync(NetraTestServer server, int? receiveBufferSize = null)
    {
        var tcp = new TcpClient { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            tcp.ReceiveBufferSize = size; // before connecting: it sets the window the server may fill
        }

        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port).WaitAsync(TestTimeouts.Network);
        return new RawWebSocket(tcp);
    }

    /// <summary>
    /// A WebSocket handshake for the hub with <paramref name="token"/>, as a bare client sends it, and the SignalR JSON
    /// handshake. With <paramref name="receiveBufferSize"/> the socket's kernel receive buffer is that small, so that a client
    /// that stops reading soon leaves the server's writes waiting.
    /// </summary>
    public static async Task<RawWebSocket> ConnectAsync(NetraTestServer server, string token, string key = "dGhlIHNhbXBsZSBub25jZQ==", int? receiveBufferSize = null)
    {
        var socket = await OpenAsync(server, receiveBufferSize);
        await socket.WriteAsync(Encoding.ASCII.GetBytes(HandshakeHead(server, token, key)));
        await socket.ReadHeadAsync();
        if (!socket.ResponseHead.StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal))
        {
            await socket.DisposeAsync();
            throw new InvalidOperationException("Handshake refused: " + socket.ResponseHead);
        }

        await socket.SendFrameAsync(Frame(0x1, Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e")));
        var answer = await socket.ReadTextAsync();
        if (!answer.StartsWith("{}\u001e", StringComparison.Ordinal))
        {
            await socket.DisposeAsync();
            throw new InvalidOperationException("SignalR handshake refused: " + answer);
        }

        return socket;
    }

    public static string HandshakeHead(NetraTestServer server, string token, string key = "dGhlIHNhbXBsZSBub25jZQ==") =>
        $"GET /ws?access_token={Uri.EscapeDataString(token)} HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\nUpgrade: websocket\r\n"
        + $"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";

    /// <summary>The <c>Sec-WebSocket-Accept</c> RFC 6455 defines for <paramref name="key"/>.</summary>
#pragma warning disable CA5350 // the handshake's definition, not a protection
    public static string AcceptFor(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350

    /// <summary>
    /// A client frame: masked (unless <paramref name="masked"/> is false), FIN unless <paramref name="fin"/> is false, with
    /// <paramref name="firstByteExtra"/> ORed into the first byte (reserved bits) and, when given, a length field claiming
    /// <paramref name="claimedLength"/> whatever the payload.
    /// </summary>
    public static byte[] Frame(byte opcode, byte[] payload, bool fin = true, bool masked = true, byte firstByteExtra = 0, ulong? claimedLength = null)
    {
        var length = claimedLength ?? (ulong)payload.Length;
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | firstByteExtra | opcode) };
        var maskBit = masked ? 0x80 : 0;
        if (length <= 125)
        {
            frame.Add((byte)(maskBit | (int)length));
        }
        else if (length <= ushort.MaxValue)
        {
            frame.Add((byte)(maskBit | 126));
            frame.Add((byte)(length >> 8));
            frame.Add((byte)length);
        }
        else
        {
            frame.Add((byte)(maskBit | 127));
            var bytes = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(bytes, length);
            frame.AddRange(bytes);
        }

        if (!masked)
        {
            frame.AddRange(payload);
            return [.. frame];
        }

        var mask = RandomNumberGenerator.GetBytes(4);
        frame.AddRange(mask);
        frame.AddRange(payload.Select((b, i) => (byte)(b ^ mask[i % 4])));
        return [.. frame];
    }

    public async Task WriteAsync(byte[] bytes) => await stream.WriteAsync(bytes).AsTask().WaitAsync(TestTimeouts.Network);

    /// <summary>Writes <paramref name="bytes"/> one byte per TCP send.</summary>
    public async Task WriteByteByByteAsync(byte[] bytes)
    {
        foreach (var b in bytes)
        {
            await stream.WriteAsync(new[] { b }).AsTask().WaitAsync(TestTimeouts.Network);
            await stream.FlushAsync();
        }
    }

    public Task SendFrameAsync(byte[] frame) => WriteAsync(frame);

    /// <summary>Sends a text message as one frame.</summary>
    public Task SendTextAsync(string text) => SendFrameAsync(Frame(0x1, Encoding.UTF8.GetBytes(text)));

    /// <summary>Reads the response head (up to the blank line) into <see cref="ResponseHead"/>.</summary>
    public async Task ReadHeadAsync()
    {
        while (true)
        {
            var text = Encoding.ASCII.GetString([.. received]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                ResponseHead = text[..end];
                received.RemoveRange(0, end + 4);
                return;
            }

            if (!await FillAsync())
            {
                ResponseHead = text;
                return;
            }
        }
    }

    /// <summary>The next frame from the server (opcode and payload), or null when the server closed the socket first.</summary>
    public async Task<(byte Opcode, byte[] Payload)?> ReadFrameAsync()
    {
        while (true)
        {
            if (received.Count >= 2)
            {
                var lengthByte = received[1] & 0x7F;
                var header = lengthByte switch { 126 => 4, 127 => 10, _ => 2 };
                if (received.Count >= header)
                {
                    var span = received.ToArray();
                    var length = lengthByte switch
                    {
                        126 => BinaryPrimitives.ReadUInt16BigEndian(span.AsSpan(2)),
                        127 => (long)BinaryPrimitives.ReadUInt64BigEndian(span.AsSpan(2)),
                        _ => lengthByte,
                    };
                    if (received.Count >= header + length)
                    {
                        var opcode = (byte)(received[0] & 0x0F);
                        var payload = span.AsSpan(header, (int)length).ToArray();
                        received.RemoveRange(0, header + (int)length);
                        return (opcode, payload);
                    }
                }
            }

            if (!await FillAsync())
            {
                return null;
            }
        }
    }

    /// <summary>The next text frame's payload, skipping SignalR pings; throws if a close or the end comes first.</summary>
    public async Task<string> ReadTextAsync()
    {
        while (true)
        {
            var frame = await ReadFrameAsync() ?? throw new InvalidOperationException("The server closed the socket.");
            var text = Encoding.UTF8.GetString(frame.Payload);
            if (frame.Opcode == 0x8)
            {
                throw new InvalidOperationException($"The server closed the WebSocket: {CloseCode(frame.Payload)}");
            }

            if (frame.Opcode == 0x1 && text != "{\"type\":6}\u001e")
            {
                return text;
            }
        }
    }

    /// <summary>Reads until the server's close frame; returns its code (null: the socket ended without one).</summary>
    public async Task<int?> ReadCloseAsync()
    {
        while (await ReadFrameAsync() is { } frame)
        {
            if (frame.Opcode == 0x8)
            {
                return CloseCode(frame.Payload);
            }
        }

        return null;
    }

    /// <summary>Whether the server ended the TCP connection (reading reaches the end) within <see cref="TestTimeouts.Network"/>.</summary>
    public async Task<bool> EndedByServerAsync()
    {
        try
        {
            while (await FillAsync())
            {
                received.Clear();
            }

            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public static int CloseCode(byte[] payload) => payload.Length >= 2 ? (payload[0] << 8) | payload[1] : 1005;

    /// <summary>Ends the connection with a TCP reset rather than a close, as a client whose machine or network drops it does.</summary>
    public void Reset()
    {
        tcp.Client.LingerState = new LingerOption(true, 0);
        tcp.Client.Close();
    }

    public ValueTask DisposeAsync()
    {
        tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<bool> FillAsync()
    {
        var buffer = new byte[16 * 1024];
        int read;
        try
        {
            read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TestTimeouts.Network);
        }
        catch (IOException)
        {
            return false; // reset by the server
        }

        received.AddRange(buffer.AsSpan(0, read).ToArray());
        return read > 0;
    }
}
