using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Netra.Bench;

/// <summary>
/// The client side of a WebSocket (RFC 6455) read and written straight on a <see cref="Socket"/>: the upgrade request,
/// then frames parsed in one buffer, each message handed out as a slice of it. The generator reads every delivery of
/// every system through this, so what a delivery costs it is a receive and a parse: <see cref="ClientWebSocket"/> adds
/// an HTTP connection's stream and its own buffering between the socket and the message (docs/benchmarks.md).
/// Plain <c>ws://</c> only; text and binary messages alike; pings answered, close answered.
/// </summary>
public sealed class FrameSocket : IDisposable
{
    private const byte Fin = 0x80;
    private const byte Mask = 0x80;
    private const int Continuation = 0x0;
    private const int Close = 0x8;
    private const int Ping = 0x9;
    private const int Pong = 0xA;
    private const int MaxHandshake = 16 * 1024;
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    private readonly Socket socket;
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private byte[] buffer;
    private int start; // the first byte not yet handed out (the next frame's)
    private int end; // one past the last byte received
    private volatile bool closeSent;
    private volatile bool closeReceived;
    private volatile bool aborted;

    private FrameSocket(Socket socket, int bufferSize)
    {
        this.socket = socket;
        buffer = new byte[bufferSize]; // not pooled: a receive may still hold it when the connection is dropped
    }

    /// <summary>Neither side has sent a close frame and the socket was not aborted.</summary>
    public bool IsOpen => !closeSent && !closeReceived && !aborted;

    /// <summary>Connects to <paramref name="url"/> (<c>ws://</c>) and completes the upgrade; throws <see cref="WebSocketException"/> when the server does not answer 101.</summary>
    public static async Task<FrameSocket> ConnectAsync(Uri url, string? origin, int bufferSize, CancellationToken cancellationToken)
    {
        if (url.Scheme != "ws")
        {
            throw new ArgumentException($"only ws:// is supported, not {url.Scheme}://", nameof(url));
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new FrameSocket(socket, bufferSize);
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(url.Host, url.Port), cancellationToken);
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = new StringBuilder()
                .Append("GET ").Append(url.PathAndQuery).Append(" HTTP/1.1\r\n")
                .Append("Host: ").Append(url.Authority).Append("\r\n")
                .Append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
                .Append("Sec-WebSocket-Key: ").Append(key).Append("\r\n");
            if (origin is not null)
            {
                request.Append("Origin: ").Append(origin).Append("\r\n");
            }

            await connection.SendAllAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), cancellationToken);
            await connection.ReadUpgradeAnswerAsync(key, cancellationToken);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The next whole message (fragments joined), a slice of the receive buffer valid until the next call. Pings are
    /// answered on the way. Throws <see cref="WebSocketException"/> when the server closes (its close frame is answered
    /// first) or the connection ends without one. One caller at a time.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
    {
        var message = -1; // where the message being joined starts (its fragments' payloads moved together), or -1
        var messageLength = 0;
        var at = start; // the next frame's first byte
        while (true)
        {
            var parsed = TryParseHeader(buffer.AsSpan(at, end - at), out var opcode, out var final, out var headerLength, out var payloadLength);
            if (!parsed || end - at < headerLength + payloadLength)
            {
                // Keep what is not handed out yet (the message so far and the partial frame) from the buffer's start,
                // make room for the whole frame, and receive.
                var shift = Compact(message >= 0 ? message : at);
                at -= shift;
                message = message >= 0 ? message - shift : -1;
                if (parsed)
                {
                    EnsureRoom(at + headerLength + payloadLength);
                }

                await FillAsync(cancellationToken);
                continue;
            }

            var payloadAt = at + headerLength;
            var payload = buffer.AsMemory(payloadAt, (int)payloadLength);
            at = payloadAt + (int)payloadLength;
            switch (opcode)
            {
                case Ping:
                    await SendFrameAsync(Pong, payload.ToArray(), cancellationToken);
                    continue;
                case Pong:
                    continue;
                case Close:
                    start = at;
                    closeReceived = true;
                    int? status = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload.Span) : null;
                    var reason = payload.Length > 2 ? Encoding.UTF8.GetString(payload.Span[2..]) : "";
                    if (!closeSent)
                    {
                        await SendCloseAsync(status ?? 1000, cancellationToken);
                    }

                    throw new WebSocketException($"closed by the server: {status} {reason}");
                default:
                    if ((opcode == Continuation) != (message >= 0))
                    {
                        throw new WebSocketException($"a frame of opcode {opcode} where {(message >= 0 ? "a continuation" : "a new message")} was due");
                    }

                    if (message < 0)
                    {
                        message = payloadAt;
                    }
                    else
                    {
                        // A fragment after the first: its payload moves to just after the message so far (it lies after it).
                        payload.Span.CopyTo(buffer.AsSpan(message + messageLength));
                    }

                    messageLength += payload.Length;
                    if (!final)
                    {
                        continue;
                    }

                    start = at;
                    return buffer.AsMemory(message, messageLength);
            }
        }
    }

    /// <summary>Sends <paramref name="payload"/> as one text message (masked, as a client must).</summary>
    public ValueTask SendTextAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        SendFrameAsync(0x1, payload, cancellationToken);

    /// <summary>Sends a close frame with <paramref name="status"/>; the server answers with its own, which ends <see cref="ReceiveAsync"/>.</summary>
    public async ValueTask SendCloseAsync(int status, CancellationToken cancellationToken)
    {
        if (closeSent)
        {
            return;
        }

        var body = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)status);
        closeSent = true;
        await SendFrameAsync(Close, body, cancellationToken);
    }

    /// <summary>Drops the connection at once (no close frame).</summary>
    public void Abort()
    {
        aborted = true;
        socket.Dispose();
    }

    public void Dispose()
    {
        Abort();
        sendLock.Dispose();
    }

    private static bool TryParseHeader(ReadOnlySpan<byte> bytes, out int opcode, out bool final, out int headerLength, out long payloadLength)
    {
        opcode = 0;
        final = false;
        headerLength = 0;
        payloadLength = 0;
        if (bytes.Length < 2)
        {
            return false;
        }

        final = (bytes[0] & Fin) != 0;
        opcode = bytes[0] & 0x0F;
        if ((bytes[1] & Mask) != 0)
        {
            throw new WebSocketException("the server masked a frame");
        }

        payloadLength = bytes[1] & 0x7F;
        headerLength = payloadLength switch { 126 => 4, 127 => 10, _ => 2 };
        if (bytes.Length < headerLength)
        {
            return false;
        }

        payloadLength = payloadLength switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
            127 => checked((long)BinaryPrimitives.ReadUInt64BigEndian(bytes[2..])),
            _ => payloadLength,
        };
        if (payloadLength > int.MaxValue / 2)
        {
            throw new WebSocketException($"a frame of {payloadLength} bytes");
        }

        return true;
    }

    private async Task ReadUpgradeAnswerAsync(string key, CancellationToken cancellationToken)
    {
        int headerEnd;
        while ((headerEnd = buffer.AsSpan(0, end).IndexOf(HeaderEnd)) < 0)
        {
            if (end >= MaxHandshake)
            {
                throw new WebSocketException("the server's answer to the upgrade has no end");
            }

            EnsureRoom(end + 1);
            await FillAsync(cancellationToken);
        }

        var answer = Encoding.ASCII.GetString(buffer, 0, headerEnd);
        var lines = answer.Split("\r\n");
        if (!lines[0].StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new WebSocketException($"the server answered the upgrade with '{lines[0]}'");
        }

#pragma warning disable CA5350 // RFC 6455 defines the accept value with SHA-1; it proves the server read the key, it protects nothing
        var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        var accept = lines[1..]
            .Select(line => line.Split(':', 2))
            .FirstOrDefault(parts => parts.Length == 2 && parts[0].Trim().Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase));
        if (accept is null || accept[1].Trim() != expected)
        {
            throw new WebSocketException("the server's Sec-WebSocket-Accept does not match the key");
        }

        start = headerEnd + HeaderEnd.Length; // frames the server sent right behind its answer stay in the buffer
    }

    /// <summary>Moves the bytes from <paramref name="from"/> to the end to the buffer's start; returns how far they moved.</summary>
    private int Compact(int from)
    {
        if (from > 0)
        {
            buffer.AsSpan(from, end - from).CopyTo(buffer);
            end -= from;
        }

        return from;
    }

    private void EnsureRoom(long length)
    {
        if (length <= buffer.Length)
        {
            return;
        }

        var bigger = new byte[(int)Math.Max(length, buffer.Length * 2L)];
        buffer.AsSpan(0, end).CopyTo(bigger);
        buffer = bigger;
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        EnsureRoom(end + 1);
        var received = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, cancellationToken);
        if (received == 0)
        {
            throw new WebSocketException(closeSent
                ? "the connection ended after the close frame was sent, before the server's"
                : "the connection ended without a close frame");
        }

        end += received;
    }

    private async ValueTask SendFrameAsync(int opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var headerLength = payload.Length switch { < 126 => 2, <= ushort.MaxValue => 4, _ => 10 };
        var length = headerLength + 4 + payload.Length;
        var frame = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            frame[0] = (byte)(Fin | opcode);
            switch (headerLength)
            {
                case 2:
                    frame[1] = (byte)(Mask | payload.Length);
                    break;
                case 4:
                    frame[1] = Mask | 126;
                    BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
                    break;
                default:
                    frame[1] = Mask | 127;
                    BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
                    break;
            }

            var maskKey = frame.AsSpan(headerLength, 4);
            Random.Shared.NextBytes(maskKey);
            var masked = frame.AsSpan(headerLength + 4, payload.Length);
            payload.Span.CopyTo(masked);
            for (var i = 0; i < masked.Length; i++)
            {
                masked[i] ^= maskKey[i & 3];
            }

            await sendLock.WaitAsync(cancellationToken);
            try
            {
                await SendAllAsync(frame.AsMemory(0, length), cancellationToken);
            }
            finally
            {
                sendLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
            bytes = bytes[sent..];
        }
    }
}
