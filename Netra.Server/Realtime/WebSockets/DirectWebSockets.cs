using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Netra.Server.Realtime.WebSockets;

/// <summary>
/// The hub's WebSocket transport, in front of Kestrel's HTTP server: a Kestrel connection middleware that reads the first
/// request on a new connection and, when it is a plain WebSocket handshake for the hub that the admission (<see cref="HubAdmission"/>) lets in,
/// answers it and runs the hub's connection pipeline on the socket itself. SignalR's hub (<c>HubConnectionHandler</c>)
/// is written for any transport; here the transport is this class and <see cref="FrameWriter"/>: the hub's writes
/// become frames sent on the socket, and the client's frames become bytes in the one pipe the hub reads.
/// </summary>
/// <remarks>
/// What that saves against ASP.NET Core's WebSocket path, per connection and for the connection's whole life: the HTTP
/// request (its context, headers, body streams, the middleware and endpoint state machines), SignalR's HTTP connection
/// and its second pipe pair, the managed WebSocket and the two loops between it and the pipes; and per delivery, the
/// hop from the hub's pipe to the sending loop and the WebSocket's own send. Any request this does not take goes on to
/// Kestrel unread (negotiate, long polling, a negotiated WebSocket, a handshake asking for a subprotocol or with a body,
/// anything malformed, and every refused handshake, which the HTTP pipeline refuses with its usual answer).
/// </remarks>
internal sealed class DirectWebSockets(string path, ConnectionDelegate hub, DirectWebSocketOptions options, Func<UpgradeRequest, ConnectionContext, ValueTask<Admission?>> admit, ILogger logger)
{
    // What a handshake for the hub starts with: "GET /ws".
    private readonly byte[] requestLine = Encoding.ASCII.GetBytes("GET " + path);

    // One for every connection: a pipe keeps its options.
    private readonly PipeOptions appPipe = new(
        pauseWriterThreshold: options.MaxBufferedBytes,
        resumeWriterThreshold: options.MaxBufferedBytes / 2,
        useSynchronizationContext: false);

    /// <summary>The Kestrel connection middleware.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate http) => connection => RunAsync(connection, http);

    private async Task RunAsync(ConnectionContext connection, ConnectionDelegate http)
    {
        if (await AcceptAsync(connection) is not var (admission, answer))
        {
            await http(connection);
            return;
        }

        var socket = connection.Transport;
        var raw = SocketOf(connection);
        var writer = new FrameWriter(connection, socket.Output, raw, options.SendTimeout, logger);
        connection.ConnectionId = NewConnectionId();
        await writer.SendAnswerAsync(answer);
        var app = new Pipe(appPipe);
        connection.Features.Set<ITransferFormatFeature>(writer);
        connection.Features.Set<IConnectionUserFeature>(admission);
        admission.WatchExpiry(connection);
        connection.Transport = new DuplexPipe(app.Reader, writer);
        RealtimeLog.DirectWebSocketOpened(logger, connection.ConnectionId, connection.RemoteEndPoint, raw is null ? "sends through Kestrel's pipe" : "sends on the socket");

        var reading = ReadFramesAsync(connection, socket.Input, app.Writer, writer);
        // The server shutting down (Kestrel asks each connection to close): 1001, going away, so that clients reconnect
        // (to another node) knowing why, instead of taking the close for the end of their session.
        using var shutdown = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested
            .Register(() => _ = GoAwayAsync(connection, socket.Input, writer));
        var code = WebSocketFrames.NormalClosure;
        try
        {
            await hub(connection);
        }
        catch
        {
            code = WebSocketFrames.InternalError;
            throw;
        }
        finally
        {
            await writer.CloseAsync(code);
            if (!reading.IsCompleted)
            {
                // The client answers a close with its own; waiting for it a moment lets its socket end cleanly.
                await Task.WhenAny(reading, Task.Delay(options.CloseTimeout));
                socket.Input.CancelPendingRead();
            }

            await reading;
        }
    }

    /// <summary>Sends the close for a server going away, then ends the hub's input (the hub then ends the connection).</summary>
    private async Task GoAwayAsync(ConnectionContext connection, PipeReader socket, FrameWriter writer)
    {
        try
        {
            await writer.CloseAsync(WebSocketFrames.GoingAway);
        }
        catch (Exception exception) when (exception is ConnectionResetException or ConnectionAbortedException or IOException or InvalidOperationException)
        {
            RealtimeLog.WebSocketEnded(logger, connection.ConnectionId, exception.Message); // its socket is gone already
        }

        socket.CancelPendingRead();
    }

    /// <summary>
    /// The socket to send on, past Kestrel's pipe (<see cref="FrameWriter"/>): given by Kestrel's socket transport when
    /// <see cref="DirectWebSocketOptions.SendOnSocket"/> is on. This transport runs before TLS (it takes only a plain-text
    /// request head), so what goes on that socket is what the client reads.
    /// </summary>
    private Socket? SocketOf(ConnectionContext connection) =>
        options.SendOnSocket ? connection.Features.Get<IConnectionSocketFeature>()?.Socket : null;

    /// <summary>
    /// Reads the head of the connection's first request. When this transport takes the connection, consumes the head and
    /// returns the admission with the <c>101</c> to answer; otherwise returns null, with everything read left in the pipe
    /// for Kestrel. Nothing of the request (its token included) outlives this method.
    /// </summary>
    private async ValueTask<(Admission Admission, byte[] Answer)?> AcceptAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var deadline = new CancellationTokenSource(options.HandshakeTimeout);
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                return null; // slow to send its head: Kestrel's own request timeouts take it from here
            }

            var buffer = read.Buffer;
            var verdict = UpgradeRequest.TryRead(buffer, requestLine, out var request, out var end);
            if (verdict == UpgradeRequest.Verdict.Incomplete && !read.IsCompleted)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            var admission = verdict == UpgradeRequest.Verdict.Ours ? await admit(request!, connection) : null;
            if (admission is null)
            {
                input.AdvanceTo(buffer.Start, buffer.Start); // unread: Kestrel's next read returns it all at once
                return null;
            }

            input.AdvanceTo(end);
            return (admission, request!.Accept());
        }
    }

    /// <summary>
    /// The client's frames into the hub's pipe: data frames' payloads unmasked (message boundaries do not matter to the
    /// hub, whose protocol marks its own), pings answered, a close answered and the hub's input ended. A frame that breaks
    /// RFC 6455 closes the connection with 1002; a text message (or a close reason) that is not valid UTF-8, with 1007,
    /// before its bad bytes reach the hub.
    /// </summary>
    private async Task ReadFramesAsync(ConnectionContext connection, PipeReader socket, PipeWriter app, FrameWriter writer)
    {
        var frame = default(FrameHeader);
        long left = 0, offset = 0;
        var inMessage = false;
        var text = default(Utf8Validator);
        var checkText = false;
        var textEnds = false; // the data frame being read ends a text message whose last character is not checked yet
        Exception? failed = null;
        try
        {
            while (true)
            {
                var read = await socket.ReadAsync();
                if (read.IsCanceled)
                {
                    return;
                }

                var buffer = read.Buffer;
                var wrote = false;
                string? problem = null;
                var problemCode = WebSocketFrames.ProtocolError;
                ushort? close = null;
                while (true)
                {
                    if (left == 0 && textEnds)
                    {
                        textEnds = false;
                        if (!text.End())
                        {
                            (problem, problemCode) = ("a text message that ends inside a UTF-8 character", WebSocketFrames.InvalidPayload);
                            break;
                        }
                    }

                    if (left > 0)
                    {
                        if (buffer.IsEmpty)
                        {
                            break;
                        }

                        var take = buffer.Slice(0, Math.Min(left, buffer.Length));
                        if (!CopyUnmasked(take, app, frame.Mask, offset, checkText, ref text))
                        {
                            (problem, problemCode) = ("a text message that is not valid UTF-8", WebSocketFrames.InvalidPayload);
                            break;
                        }

                        offset += take.Length;
                        left -= take.Length;
                        buffer = buffer.Slice(take.End);
                        wrote = true;
                        continue;
                    }

                    var before = buffer;
                    if (!WebSocketFrames.TryReadHeader(ref buffer, out frame, out problem))
                    {
                        break;
                    }

                    if (frame.Opcode >= WebSocketFrames.Close)
                    {
                        if (buffer.Length < frame.Length)
                        {
                            buffer = before; // a control frame is acted on whole
                            break;
                        }

                        var payload = buffer.Slice(0, frame.Length).ToArray();
                        buffer = buffer.Slice(frame.Length);
                        WebSocketFrames.Unmask(payload, frame.Mask, 0);
                        if (frame.Opcode == WebSocketFrames.Ping)
                        {
                            await writer.SendControlAsync(WebSocketFrames.Pong, payload);
                        }
                        else if (frame.Opcode == WebSocketFrames.Close)
                        {
                            if (payload.Length == 1)
                            {
                                problem = "a close frame with a one-byte payload";
                            }
                            else if (!Utf8.IsValid(payload.AsSpan(Math.Min(2, payload.Length))))
                            {
                                (problem, problemCode) = ("a close reason that is not valid UTF-8", WebSocketFrames.InvalidPayload);
                            }
                            else
                            {
                                close = payload.Length >= 2 ? (ushort)((payload[0] << 8) | payload[1]) : WebSocketFrames.NormalClosure;
                            }

                            break;
                        }

                        continue;
                    }

                    if ((frame.Opcode == WebSocketFrames.Continuation) != inMessage)
                    {
                        problem = inMessage ? "a new message began before the last one ended" : "a continuation frame with no message to continue";
                        break;
                    }

                    if (frame.Opcode != WebSocketFrames.Continuation)
                    {
                        checkText = frame.Opcode == WebSocketFrames.Text;
                    }

                    inMessage = !frame.Fin;
                    textEnds = frame.Fin && checkText;
                    left = frame.Length;
                    offset = 0;
                }

                socket.AdvanceTo(buffer.Start, buffer.End);
                if (problem is not null)
                {
                    // Failing the connection (RFC 6455, 7.1.7): the close goes first, and the hub gets none of what this
                    // read passed before the problem (a text message's records ahead of a character it ends inside) nor
                    // anything it has not read yet. Flushing first let the hub act on those records, and answer a bad
                    // one by closing the connection itself, normally, before the 1002 or 1007 left.
                    RealtimeLog.WebSocketProtocolError(logger, connection.ConnectionId, problemCode, problem);
                    await writer.SendControlAsync(WebSocketFrames.Close, CloseCode(problemCode));
                    failed = new ConnectionAbortedException(problem);
                    return;
                }

                if (wrote && (await app.FlushAsync()).IsCompleted)
                {
                    return;
                }

                if (close is { } code)
                {
                    // Answering our own close: the connection is done. Answering the client's: echo its code, end the hub's input.
                    if (!writer.CloseSent)
                    {
                        await writer.SendControlAsync(WebSocketFrames.Close, CloseCode(WebSocketFrames.IsSendable(code) ? code : WebSocketFrames.ProtocolError));
                    }

                    return;
                }

                if (read.IsCompleted)
                {
                    return; // the socket ended without a close frame
                }
            }
        }
        catch (Exception exception) when (exception is ConnectionResetException or ConnectionAbortedException or IOException)
        {
            // The client's socket was reset or aborted: for the hub, the end of its input, as SignalR's own transport has it.
            RealtimeLog.WebSocketEnded(logger, connection.ConnectionId, exception.Message);
        }
        finally
        {
            // A ConnectionAbortedException (an OperationCanceledException) ends the hub's reading at once, whatever it
            // has not read yet, and the hub takes it for the connection going away rather than for its own error.
            await app.CompleteAsync(failed);
        }
    }

    /// <summary>
    /// Unmasks a payload into the hub's pipe; with <paramref name="checkText"/>, checks it as UTF-8 on the way and
    /// returns false, leaving the bad piece out of the pipe, when it is not.
    /// </summary>
    private static bool CopyUnmasked(ReadOnlySequence<byte> payload, PipeWriter app, uint mask, long offset, bool checkText, ref Utf8Validator text)
    {
        foreach (var segment in payload)
        {
            var source = segment.Span;
            while (!source.IsEmpty)
            {
                var destination = app.GetSpan(1);
                var count = Math.Min(destination.Length, source.Length);
                source[..count].CopyTo(destination);
                WebSocketFrames.Unmask(destination[..count], mask, offset);
                if (checkText && !text.Append(destination[..count]))
                {
                    return false;
                }

                app.Advance(count);
                offset += count;
                source = source[count..];
            }
        }

        return true;
    }

    private static byte[] CloseCode(ushort code) => [(byte)(code >> 8), (byte)code];

    /// <summary>A connection id like SignalR's own: 16 random bytes, URL-safe base64 (unique across nodes, unlike Kestrel's).</summary>
    private static string NewConnectionId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}

/// <summary>The sizes and times of <see cref="DirectWebSockets"/>.</summary>
internal sealed record DirectWebSocketOptions(TimeSpan HandshakeTimeout, TimeSpan SendTimeout, TimeSpan CloseTimeout, int MaxBufferedBytes, bool SendOnSocket);

/// <summary>
/// Who a direct connection is, once its handshake is let in, and until when: the connection is closed at its token's
/// expiry (SignalR's <c>CloseOnAuthenticationExpiration</c> on the HTTP path), checked on Kestrel's heartbeat.
/// </summary>
internal sealed class Admission(ClaimsPrincipal user, DateTimeOffset? expires, TimeProvider time) : IConnectionUserFeature
{
    private readonly DateTimeOffset? expires = expires;
    private readonly TimeProvider time = time;
    private ConnectionContext? connection;

    public ClaimsPrincipal? User { get; set; } = user;

    /// <summary>Closes <paramref name="watched"/> on the first heartbeat past the expiry.</summary>
    public void WatchExpiry(ConnectionContext watched)
    {
        if (expires is null)
        {
            return;
        }

        connection = watched;
        watched.Features.Get<IConnectionHeartbeatFeature>()?.OnHeartbeat(static state =>
        {
            var admission = (Admission)state;
            if (admission.time.GetUtcNow() >= admission.expires)
            {
                admission.connection!.Abort(new ConnectionAbortedException("The connection's token expired."));
            }
        }, this);
    }
}
