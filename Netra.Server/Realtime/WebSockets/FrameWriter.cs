using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Netra.Server.Realtime.WebSockets;

/// <summary>
/// What the hub writes to a direct WebSocket connection: each flush becomes one whole frame written straight into the
/// socket's pipe, with no pipe, loop or WebSocket object in between. Between flushes the bytes wait in a buffer from the
/// shared pool, given back at every flush, so an idle connection holds none. Control frames the transport itself sends
/// (pong, close) take the same turn, since the socket's pipe takes one writer at a time.
/// </summary>
#pragma warning disable CA1001 // the turn's SemaphoreSlim holds no handle unless its AvailableWaitHandle is read, which nothing does
internal sealed class FrameWriter(ConnectionContext connection, PipeWriter socket, TimeSpan sendTimeout, ILogger logger) : PipeWriter, ITransferFormatFeature
{
    private const int MinimumBuffer = 1024;

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
        if ((uint)bytes > (uint)((buffer?.Length ?? 0) - written))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes));
        }

        written += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(written);

    public override Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(written);

    public override void CancelPendingFlush() => socket.CancelPendingFlush();

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
                return new FlushResult(isCanceled: false, isCompleted: true);
            }

            WritePending();
            return await SendAsync(cancellationToken);
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
            WriteFrame(opcode, payload.Span);
            await SendAsync(CancellationToken.None);
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
            WritePending();
            Span<byte> payload = [(byte)(code >> 8), (byte)code];
            WriteFrame(WebSocketFrames.Close, payload);
            await SendAsync(CancellationToken.None);
        }
        finally
        {
            ReturnBuffer();
            turn.Release();
        }
    }

    private byte[] Reserve(int sizeHint)
    {
        var needed = written + Math.Max(sizeHint, 1);
        if (buffer is null || needed > buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(MinimumBuffer, (buffer?.Length ?? 0) * 2)));
            if (buffer is not null)
            {
                buffer.AsSpan(0, written).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
            }

            buffer = larger;
        }

        return buffer;
    }

    private void WritePending()
    {
        if (written > 0)
        {
            WriteFrame(ActiveFormat == TransferFormat.Binary ? WebSocketFrames.Binary : WebSocketFrames.Text, buffer.AsSpan(0, written));
        }

        ReturnBuffer();
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

    private void WriteFrame(byte opcode, ReadOnlySpan<byte> payload)
    {
        var header = socket.GetSpan(WebSocketFrames.MaxServerHeader + Math.Min(payload.Length, 2048));
        var length = WebSocketFrames.WriteHeader(header, opcode, payload.Length);
        if (payload.Length <= header.Length - length)
        {
            payload.CopyTo(header[length..]);
            socket.Advance(length + payload.Length);
            return;
        }

        socket.Advance(length);
        socket.Write(payload);
    }

    /// <summary>
    /// Flushes the socket's pipe. A client that stops reading fills it and the flush waits: past the send timeout the
    /// connection is aborted (as SignalR's own transport does), and the hub is told the connection is done.
    /// </summary>
    private async ValueTask<FlushResult> SendAsync(CancellationToken cancellationToken)
    {
        var flush = socket.FlushAsync(cancellationToken);
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
            RealtimeLog.WebSocketSendTimedOut(logger, connection.ConnectionId, (int)sendTimeout.TotalSeconds);
            connection.Abort(new ConnectionAbortedException($"The client read nothing for {sendTimeout.TotalSeconds:0} s while the server had data for it."));
            return new FlushResult(isCanceled: false, isCompleted: true);
        }
    }
}
#pragma warning restore CA1001
