using System.Buffers.Text;
using System.Globalization;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Netra.Bench;

/// <summary>
/// One client connection over a <see cref="FrameSocket"/> (WebSocket frames read straight off the socket), speaking
/// SignalR's JSON hub protocol or Socket.IO's packets: connect and handshake, invocations with completions (acks),
/// and server events handed to <see cref="EventReceived"/> as raw bytes on the receive loop, so
/// the generator parses no more than it measures.
/// </summary>
public sealed class BenchConnection : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1E;
    private static readonly byte[] SignalRHandshake = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
    private static readonly byte[] SignalRPing = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");

    private readonly Target target;
    private readonly bool onFirstNode;
    private readonly Dictionary<long, TaskCompletionSource> pending = [];
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long nextInvocationId;
    private bool handshakeDone;
    private Task receiveLoop = Task.CompletedTask;

    private FrameSocket? socket;

    private BenchConnection(Target target, bool onFirstNode)
    {
        this.target = target;
        this.onFirstNode = onFirstNode;
    }

    /// <summary>A server event (SignalR invocation record or Socket.IO "42" packet), on the receive loop; must not block.</summary>
    public Action<ReadOnlySpan<byte>>? EventReceived { get; set; }

    public bool IsOpen => socket?.IsOpen == true;

    /// <summary>Opens the socket and completes the protocol handshake; Netra connections also wait for ConnectionEstablished.</summary>
    public static async Task<BenchConnection> OpenAsync(Target target, int node, long userId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connection = new BenchConnection(target, onFirstNode: target.HasSeveralNodes && node % target.Nodes.Count == 0);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            connection.socket = await FrameSocket.ConnectAsync(target.SocketUrl(node, userId), target.Origin, 4096, cts.Token);
            connection.receiveLoop = Task.Run(connection.ReceiveLoopAsync, CancellationToken.None);
            if (target.Protocol == WireProtocol.SignalRJson)
            {
                await connection.SendAsync(SignalRHandshake, cts.Token);
            }

            await connection.ready.Task.WaitAsync(cts.Token);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Calls <paramref name="method"/> with <paramref name="argumentsJson"/> (a JSON array) and waits for its completion or ack.</summary>
    public async Task InvokeAsync(string method, string argumentsJson, CancellationToken cancellationToken)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long id;
        lock (pending)
        {
            id = ++nextInvocationId;
            pending[id] = tcs;
        }

        string frame;
        if (target.Protocol == WireProtocol.SignalRJson)
        {
            frame = string.Create(CultureInfo.InvariantCulture, $"{{\"type\":1,\"invocationId\":\"{id}\",\"target\":\"{method}\",\"arguments\":{argumentsJson}}}\u001e");
        }
        else
        {
            var inner = argumentsJson.AsSpan().Trim()[1..^1].Trim();
            frame = inner.IsEmpty
                ? string.Create(CultureInfo.InvariantCulture, $"42{id}[\"{method}\"]")
                : string.Create(CultureInfo.InvariantCulture, $"42{id}[\"{method}\",{inner}]");
        }

        try
        {
            await SendAsync(Encoding.UTF8.GetBytes(frame), cancellationToken);
            await tcs.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            lock (pending)
            {
                pending.Remove(id);
            }
        }
    }

    /// <summary>Keeps an idle SignalR connection alive (the server drops a client silent for its client timeout). Socket.IO answers the server's pings itself.</summary>
    public Task SendKeepAliveAsync(CancellationToken cancellationToken) =>
        target.Protocol == WireProtocol.SignalRJson && IsOpen ? SendAsync(SignalRPing, cancellationToken).AsTask() : Task.CompletedTask;

    public async Task CloseAsync()
    {
        if (socket is null)
        {
            return;
        }

        if (socket.IsOpen)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await socket.SendCloseAsync(1000, cts.Token);
                await receiveLoop.WaitAsync(cts.Token);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException or TimeoutException)
            {
                // The server went first or is slow to answer: abort below.
            }
        }

        socket.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        socket?.Dispose();
    }

    private ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        (socket ?? throw new InvalidOperationException("not connected")).SendTextAsync(bytes, cancellationToken);

    private async Task ReceiveLoopAsync()
    {
        Exception? failure = null;
        try
        {
            var frames = socket ?? throw new InvalidOperationException("not connected");
            while (true)
            {
                var message = await frames.ReceiveAsync(CancellationToken.None);
                target.Received.Received(onFirstNode);

                if (target.Protocol == WireProtocol.SignalRJson)
                {
                    ProcessSignalR(message.Span);
                }
                else
                {
                    await ProcessSocketIoAsync(message);
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            failure = exception;
        }
        finally
        {
            FailAll(failure ?? new WebSocketException("connection closed"));
        }
    }

    private void ProcessSignalR(ReadOnlySpan<byte> message)
    {
        while (!message.IsEmpty)
        {
            var end = message.IndexOf(RecordSeparator);
            var record = end < 0 ? message : message[..end];
            message = end < 0 ? [] : message[(end + 1)..];
            if (record.IsEmpty)
            {
                continue;
            }

            if (!handshakeDone)
            {
                handshakeDone = true;
                if (record.IndexOf("\"error\""u8) >= 0)
                {
                    ready.TrySetException(new InvalidOperationException("handshake refused: " + Encoding.UTF8.GetString(record)));
                }
                else if (!target.IsNetra)
                {
                    ready.TrySetResult();
                }

                continue;
            }

            switch (MessageType(record))
            {
                case 1:
                    if (!ready.Task.IsCompleted && record.IndexOf("\"target\":\"ConnectionEstablished\""u8) >= 0)
                    {
                        ready.TrySetResult();
                    }
                    else
                    {
                        EventReceived?.Invoke(record);
                    }

                    break;
                case 3:
                    Complete(ParseNumberAfter(record, "\"invocationId\":\""u8), record.IndexOf("\"error\":"u8) >= 0 ? record : default);
                    break;
                case 7:
                    FailAll(new WebSocketException("server sent Close: " + Encoding.UTF8.GetString(record)));
                    break;
                default:
                    break; // 6 = ping
            }
        }
    }

    private async Task ProcessSocketIoAsync(ReadOnlyMemory<byte> packet)
    {
        var span = packet.Span;
        switch (span[0])
        {
            case (byte)'0':
                await SendAsync("40"u8.ToArray(), CancellationToken.None);
                return;
            case (byte)'2':
                await SendAsync("3"u8.ToArray(), CancellationToken.None);
                return;
            case (byte)'4' when span.Length > 1:
                switch (span[1])
                {
                    case (byte)'0':
                        ready.TrySetResult();
                        return;
                    case (byte)'2':
                        EventReceived?.Invoke(span);
                        return;
                    case (byte)'3':
                        Complete(ParseLeadingNumber(span[2..]), default);
                        return;
                    case (byte)'4':
                        var error = new InvalidOperationException("connect refused: " + Encoding.UTF8.GetString(span));
                        ready.TrySetException(error);
                        return;
                    default:
                        return;
                }

            default:
                return;
        }
    }

    private void Complete(long invocationId, ReadOnlySpan<byte> error)
    {
        TaskCompletionSource? tcs;
        lock (pending)
        {
            pending.TryGetValue(invocationId, out tcs);
        }

        if (tcs is null)
        {
            return;
        }

        if (error.IsEmpty)
        {
            tcs.TrySetResult();
        }
        else
        {
            tcs.TrySetException(new InvalidOperationException("call failed: " + Encoding.UTF8.GetString(error)));
        }
    }

    private void FailAll(Exception exception)
    {
        ready.TrySetException(exception);
        List<TaskCompletionSource> waiting;
        lock (pending)
        {
            waiting = [.. pending.Values];
        }

        foreach (var tcs in waiting)
        {
            tcs.TrySetException(exception);
        }
    }

    private static int MessageType(ReadOnlySpan<byte> record)
    {
        var at = record.IndexOf("\"type\":"u8);
        return at < 0 || at + 7 >= record.Length ? -1 : record[at + 7] - '0';
    }

    private static long ParseNumberAfter(ReadOnlySpan<byte> record, ReadOnlySpan<byte> marker)
    {
        var at = record.IndexOf(marker);
        return at < 0 ? -1 : ParseLeadingNumber(record[(at + marker.Length)..]);
    }

    /// <summary>The decimal number the span starts with, or -1.</summary>
    public static long ParseLeadingNumber(ReadOnlySpan<byte> span) =>
        Utf8Parser.TryParse(span, out long value, out var consumed) && consumed > 0 ? value : -1;
}
