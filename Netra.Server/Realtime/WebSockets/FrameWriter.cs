using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Netra.Server.Realtime.WebSockets;

/// <summary>
/// What the hub writes to a direct WebSocket connection: each flush becomes one whole frame, with no pipe, loop or
/// WebSocket object in between. Between flushes the bytes wait in a buffer from the shared pool, with room in front for
/// the frame's header, given back once the frame is sent, so an idle connection holds none. Given the socket (Kestrel's
/// socket transport has it), a frame goes from that buffer to the socket in one send on the flushing thread, which
/// saves a copy, a hop to Kestrel's send loop and a wake-up of that loop per frame; otherwise it is copied into the
/// socket's pipe, which Kestrel's send loop empties. Control frames the transport itself sends (pong, close) and the
/// handshake's answer take the same turn, since a socket takes one writer at a time.
/// </summary>
#pragma warning disable CA1001 // the turn's SemaphoreSlim holds no handle unless its AvailableWaitHandle is read, which nothing does
internal sealed class FrameWriter(ConnectionContext connection, PipeWriter output, Socket? socket, TimeSpan sendTimeout, ILogger logger)
    : PipeWriter, ITransferFormatFeature
#pragma warning restore CA1001
{
    private const int MinimumBuffer = 1024;

    /// <summary>Room in front of the payload for its frame's header, written there at the flush.</summary>
    private const int Head = WebSocketFrames.MaxServerHeader;

    private static readonly FlushResult Ended = new(isCanceled: false, isCompleted: true);

    private readonly SemaphoreSlim turn = new(1, 1);
    private byte[]? buffer;
    private int written;
    private bool closeSent;

    public TransferFormat SupportedFormats => TransferFormat.Text | TransferFormat.Binary;

    public TransferFormat ActiveFormat { get; set; } = TransferFormat.Text;

    /// <summary>Whether the close frame went out (the client's close then ends the connection).</summary>
    public bool CloseSent => Volatile.Read(ref closeSent);

    public override void Advance(int bytes)
    {
        if ((uint)bytes > (uint)((buffer?.Length ?? Head) - Head - written))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes));
        }

        written += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(Head + written);

    public override Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(Head + written);

    public override void CancelPendingFlush() => output.CancelPendingFlush();

    /// <summary>Nothing to do here: the transport sends what is left and the close frame once the hub is done (<see cref="CloseAsync"/>).</summary>
    public override void Complete(Exception? exception = null)
    {
    }

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        await turn.WaitAsync(cancellationToken);
        try
        {
            if (closeSent)
            {
                ReturnBuffer();
                return Ended;
            }

            return await SendPendingAsync(cancellationToken);
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>Sends the handshake's answer (<c>101</c>), before anything else this connection sends.</summary>
    public async ValueTask SendAnswerAsync(byte[] answer)
    {
        await turn.WaitAsync();
        try
        {
            await SendAsync(answer, rented: null, CancellationToken.None);
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>Sends a control frame (a pong, or the close that answers the client's).</summary>
    public async ValueTask SendControlAsync(byte opcode, ReadOnlyMemory<byte> payload)
    {
        await turn.WaitAsync();
        try
        {
            if (closeSent)
            {
                return;
            }

            closeSent = opcode == WebSocketFrames.Close;
            await SendControlFrameAsync(opcode, payload.Span);
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>Sends what the hub left unflushed (a refused handshake's answer), then a close frame with <paramref name="code"/>, once.</summary>
    public async ValueTask CloseAsync(ushort code)
    {
        await turn.WaitAsync();
        try
        {
            if (closeSent)
            {
                return;
            }

            closeSent = true;
            if (!(await SendPendingAsync(CancellationToken.None)).IsCompleted)
            {
                Span<byte> payload = [(byte)(code >> 8), (byte)code];
                await SendControlFrameAsync(WebSocketFrames.Close, payload);
            }
        }
        finally
        {
            ReturnBuffer();
            turn.Release();
        }
    }

    private byte[] Reserve(int sizeHint)
    {
        var needed = Head + written + Math.Max(sizeHint, 1);
        if (buffer is null || needed > buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(MinimumBuffer, (buffer?.Length ?? 0) * 2)));
            if (buffer is not null)
            {
                buffer.AsSpan(0, Head + written).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
            }

            buffer = larger;
        }

        return buffer;
    }

    private void ReturnBuffer()
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = null;
        }

        written = 0;
    }

    /// <summary>What the hub wrote since the last flush, as one data frame whose header goes in the room left in front of it.</summary>
    private ValueTask<FlushResult> SendPendingAsync(CancellationToken cancellationToken)
    {
        if (buffer is not { } pending || written == 0)
        {
            ReturnBuffer();
            return socket is null ? FlushOutputAsync(cancellationToken) : ValueTask.FromResult(default(FlushResult));
        }

        var length = written;
        buffer = null; // the send gives it back to the pool
        written = 0;
        var opcode = ActiveFormat == TransferFormat.Binary ? WebSocketFrames.Binary : WebSocketFrames.Text;
        var header = WebSocketFrames.HeaderLength(length);
        WebSocketFrames.WriteHeader(pending.AsSpan(Head - header), opcode, length);
        return SendAsync(pending.AsMemory(Head - header, header + length), pending, cancellationToken);
    }

    private ValueTask<FlushResult> SendControlFrameAsync(byte opcode, ReadOnlySpan<byte> payload)
    {
        var frame = ArrayPool<byte>.Shared.Rent(Head + payload.Length);
        var header = WebSocketFrames.WriteHeader(frame, opcode, payload.Length);
        payload.CopyTo(frame.AsSpan(header));
        return SendAsync(frame.AsMemory(0, header + payload.Length), frame, CancellationToken.None);
    }

    /// <summary>
    /// Sends <paramref name="bytes"/>, then gives <paramref name="rented"/> (which holds them, or null) back to the pool. On
    /// the socket a send is not cancelled part way, which would leave half a frame on the wire: it ends, fails or times out.
    /// </summary>
    private async ValueTask<FlushResult> SendAsync(ReadOnlyMemory<byte> bytes, byte[]? rented, CancellationToken cancellationToken)
    {
        if (socket is null)
        {
            output.Write(bytes.Span);
            Return(rented);
            return await FlushOutputAsync(cancellationToken);
        }

        Task<int>? sending = null;
        try
        {
            var send = socket.SendAsync(bytes, SocketFlags.None, CancellationToken.None);
            if (send.IsCompletedSuccessfully)
            {
                _ = send.Result;
            }
            else
            {
                sending = send.AsTask();
                await sending.WaitAsync(sendTimeout, CancellationToken.None);
            }
        }
        catch (TimeoutException)
        {
            // The send still holds the bytes: they are left to the GC, never given back to the pool while the socket may read them.
            _ = ObserveAbandonedAsync(sending!);
            return TimedOut();
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            Return(rented);
            RealtimeLog.WebSocketEnded(logger, connection.ConnectionId, exception.Message);
            connection.Abort(new ConnectionAbortedException("The socket failed a send.", exception));
            return Ended;
        }

        Return(rented);
        return default;
    }

    private static void Return(byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Flushes the socket's pipe. A client that stops reading fills it (or, sending on the socket, the socket's own buffer)
    /// and the send waits: past the send timeout the connection is aborted (as SignalR's own transport does), and the hub
    /// is told the connection is done.
    /// </summary>
    private async ValueTask<FlushResult> FlushOutputAsync(CancellationToken cancellationToken)
    {
        var flush = output.FlushAsync(cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            return flush.Result;
        }

        try
        {
            return await flush.AsTask().WaitAsync(sendTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return TimedOut();
        }
    }

    private FlushResult TimedOut()
    {
        RealtimeLog.WebSocketSendTimedOut(logger, connection.ConnectionId, (int)sendTimeout.TotalSeconds);
        connection.Abort(new ConnectionAbortedException($"The client read nothing for {sendTimeout.TotalSeconds:0} s while the server had data for it."));
        return Ended;
    }

    /// <summary>A send given up on at its timeout ends once the aborted connection's socket is closed; its failure is the abort's.</summary>
    private async Task ObserveAbandonedAsync(Task<int> sending)
    {
        try
        {
            await sending;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            RealtimeLog.WebSocketEnded(logger, connection.ConnectionId, exception.Message);
        }
    }
}
