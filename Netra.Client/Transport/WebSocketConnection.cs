using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Netra.Client.Transport;

/// <summary>
/// A <see cref="ConnectionContext"/> over an open <see cref="ClientWebSocket"/>, shaped like the
/// official client's: two pipes, one loop copying received frames into the application's input,
/// one copying the application's output into text frames.
/// </summary>
/// <remarks>
/// Neither loop throws: a failure ends the loop and is handed to the application as the completion
/// error of its input (and of its output, for a send failure). That is how
/// <c>HubConnection</c> learns why a connection ended and passes it to its <c>Closed</c> event.
/// </remarks>
internal sealed class WebSocketConnection : ConnectionContext
{
    // Large enough for a typical hub message in one receive; the pipe pools these buffers.
    private const int MinimumReceiveSize = 4096;

    private readonly ClientWebSocket _socket;
    private readonly TimeSpan _closeTimeout;
    private readonly ILogger _logger;

    // Application side: what HubConnection reads and writes (exposed as Transport).
    private readonly PipeReader _applicationInput;
    private readonly PipeWriter _applicationOutput;

    // Transport side: what the loops write and read.
    private readonly PipeWriter _receivedWriter;
    private readonly PipeReader _toSendReader;
    private readonly long _maximumReceiveMessageSize;

    private Task _running = Task.CompletedTask;
    private Exception? _closeReason;
    private volatile bool _aborted;
    private volatile bool _applicationDone;
    private int _disposed;
    private int _closeTimedOut;

    public WebSocketConnection(ClientWebSocket socket, string? connectionId, WebSocketConnectionOptions options, ILogger logger)
    {
        _socket = socket;
        _closeTimeout = options.CloseTimeout;
        _maximumReceiveMessageSize = options.MaximumReceiveMessageSize;
        _logger = logger;

        var received = new Pipe(CreatePipeOptions(options.TransportMaxBufferSize));
        var toSend = new Pipe(CreatePipeOptions(options.ApplicationMaxBufferSize));
        _applicationInput = received.Reader;
        _receivedWriter = received.Writer;
        _applicationOutput = toSend.Writer;
        _toSendReader = toSend.Reader;

        // Null when negotiation was skipped, as with the official client (HubConnection.ConnectionId is then null).
        ConnectionId = connectionId!;
        Transport = new DuplexPipe(_applicationInput, _applicationOutput);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new ConnectionItems();

    public override IDuplexPipe Transport { get; set; }

    /// <summary>Starts the receive and send loops. Called once, by the factory, after the socket opened.</summary>
    public void Start() => _running = RunAsync();

    /// <summary>Tears the socket down at once, without a close handshake.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        ArgumentNullException.ThrowIfNull(abortReason);
        TransportLog.Aborted(_logger, abortReason.Message);
        Interlocked.CompareExchange(ref _closeReason, abortReason, null);
        AbortSocket();
    }

    /// <summary>
    /// Closes gracefully: sends what the application already flushed, then a close frame, and waits
    /// for the server's close frame, all bounded by CloseTimeout; after that the socket is aborted.
    /// Safe to call more than once and after the server closed.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await CloseAsync().ConfigureAwait(false);
        }
        else
        {
            await _running.ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    private static PipeOptions CreatePipeOptions(long maxBufferSize) => new(
        readerScheduler: PipeScheduler.ThreadPool,
        writerScheduler: PipeScheduler.ThreadPool,
        pauseWriterThreshold: maxBufferSize,
        resumeWriterThreshold: maxBufferSize / 2,
        useSynchronizationContext: false);

    private async Task CloseAsync()
    {
        // The application reads no more. Tell the receive loop to drop data from now on (it keeps
        // reading until the server's close frame) and wake it if it waits on a full input pipe.
        _applicationDone = true;
        _receivedWriter.CancelPendingFlush();

        // Wake the send loop: it sends what is buffered, then our close frame.
        _toSendReader.CancelPendingRead();

        if (!await CompletesWithinAsync(_running, _closeTimeout).ConfigureAwait(false))
        {
            // A send the server never reads, or a server that never answers our close frame.
            AbortAfterCloseTimeout();
        }

        await _running.ConfigureAwait(false);

        // Both loops are over; release the application's ends and the socket.
        await _applicationInput.CompleteAsync().ConfigureAwait(false);
        await _applicationOutput.CompleteAsync().ConfigureAwait(false);
        _socket.Dispose();
        TransportLog.Stopped(_logger);
    }

    private static async Task<bool> CompletesWithinAsync(Task task, TimeSpan timeout)
    {
        using var delayCts = new CancellationTokenSource();
        var winner = await Task.WhenAny(task, Task.Delay(timeout, delayCts.Token)).ConfigureAwait(false);
        await delayCts.CancelAsync().ConfigureAwait(false);
        return winner == task;
    }

    private void AbortAfterCloseTimeout()
    {
        // CloseAsync and RunAsync both time the close; log it once.
        if (Interlocked.Exchange(ref _closeTimedOut, 1) == 0)
        {
            TransportLog.CloseTimedOut(_logger, _closeTimeout);
        }

        AbortSocket();
    }

    private void AbortSocket()
    {
        _aborted = true;

        // Abort is a no-op on a socket that is already closed or disposed.
        _socket.Abort();

        // A receive loop waiting for the application to read must not keep DisposeAsync waiting.
        _receivedWriter.CancelPendingFlush();
    }

    private async Task RunAsync()
    {
        var receiving = ReceiveLoopAsync();
        var sending = SendLoopAsync();

        var first = await Task.WhenAny(receiving, sending).ConfigureAwait(false);
        var other = first == receiving ? sending : receiving;
        if (first == receiving)
        {
            // The server closed the socket, or it failed. The send loop is probably waiting for
            // application output: wake it so that it answers the close handshake and stops.
            _toSendReader.CancelPendingRead();
        }

        // Otherwise our close frame is out (or the send failed and the socket was aborted): the
        // receive loop ends at the server's close frame. Either way, wait at most CloseTimeout.
        if (!await CompletesWithinAsync(other, _closeTimeout).ConfigureAwait(false))
        {
            AbortAfterCloseTimeout();
        }

        await other.ConfigureAwait(false);
    }

    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        long messageSize = 0;
        try
        {
            while (true)
            {
                var memory = _receivedWriter.GetMemory(MinimumReceiveSize);
                var result = await _socket.ReceiveAsync(memory, CancellationToken.None).ConfigureAwait(false);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var status = _socket.CloseStatus;
                    var description = _socket.CloseStatusDescription;
                    TransportLog.ServerClosed(_logger, status, description);
                    if (status != WebSocketCloseStatus.NormalClosure)
                    {
                        error = new WebSocketException(
                            WebSocketError.Faulted,
                            $"The server closed the WebSocket with status {(int?)status} ({status}): " +
                            (string.IsNullOrEmpty(description) ? "no description given." : description));
                    }

                    break;
                }

                if (_applicationDone)
                {
                    // Nobody reads any more (DisposeAsync): drop the data, keep reading until the close frame.
                    continue;
                }

                // Text and binary frames are copied alike; a message is handed over when it is complete,
                // so the hub protocol's parser never waits on half a message that backpressure holds back.
                _receivedWriter.Advance(result.Count);
                messageSize += result.Count;
                if (_maximumReceiveMessageSize > 0 && messageSize > _maximumReceiveMessageSize)
                {
                    throw new InvalidDataException(
                        $"The server sent a message larger than {_maximumReceiveMessageSize} bytes (MaximumReceiveMessageSize); the connection is closed rather than buffering it.");
                }

                if (result.EndOfMessage)
                {
                    messageSize = 0;
                    var flush = await _receivedWriter.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        // The application completed its input: it wants nothing more.
                        break;
                    }

                    // IsCanceled means DisposeAsync or Abort: the loop goes on, dropping data, until the
                    // close frame arrives or the aborted socket throws.
                }
            }
        }
        catch (Exception ex)
        {
            // Not swallowed: it becomes the input's completion error below, which HubConnection
            // reports through Closed. When we aborted the socket ourselves, the exception is only the
            // echo of that, and the reason is the one recorded when aborting (null on a timed-out close).
            if (_aborted)
            {
                error = Volatile.Read(ref _closeReason);
            }
            else
            {
                TransportLog.ReceiveFailed(_logger, ex);
                error = ex;
            }
        }

        await _receivedWriter.CompleteAsync(error).ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await _toSendReader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    // After a cancel (DisposeAsync, or the server closed) only a socket that is still
                    // open gets what the application flushed before.
                    if (!buffer.IsEmpty && (!result.IsCanceled || _socket.State == WebSocketState.Open))
                    {
                        await SendMessageAsync(buffer).ConfigureAwait(false);
                    }

                    if (result.IsCanceled || result.IsCompleted)
                    {
                        break;
                    }
                }
                finally
                {
                    _toSendReader.AdvanceTo(buffer.End);
                }
            }
        }
        catch (Exception ex)
        {
            // Not swallowed: it completes the application's output below (its next FlushAsync throws
            // it) and, through _closeReason, becomes the error its input completes with.
            if (!_aborted)
            {
                TransportLog.SendFailed(_logger, ex);
                Interlocked.CompareExchange(ref _closeReason, ex, null);
            }

            error = ex;
        }

        if (error is null)
        {
            await SendCloseFrameAsync().ConfigureAwait(false);
        }
        else
        {
            // The socket is unusable for sending; end the receive loop too.
            AbortSocket();
        }

        await _toSendReader.CompleteAsync(error).ConfigureAwait(false);
    }

    private async Task SendMessageAsync(ReadOnlySequence<byte> buffer)
    {
        // The JSON hub protocol is text. One flush of the application becomes one WebSocket message;
        // a multi-segment buffer goes out as several frames with EndOfMessage on the last one.
        if (buffer.IsSingleSegment)
        {
            await _socket.SendAsync(buffer.First, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var position = buffer.Start;
        buffer.TryGet(ref position, out var segment);
        while (buffer.TryGet(ref position, out var next))
        {
            await _socket.SendAsync(segment, WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None).ConfigureAwait(false);
            segment = next;
        }

        await _socket.SendAsync(segment, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task SendCloseFrameAsync()
    {
        // Open: we start the close handshake. CloseReceived: the server started it and we answer.
        // Any other state: a close frame already went out, or the socket is gone.
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, statusDescription: null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The socket failed or was aborted between the state check and the send. Nothing is lost:
            // the receive loop reports a failure, and an abort was ours.
            TransportLog.CloseFrameNotSent(_logger, ex);
        }
    }
}
