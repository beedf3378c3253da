using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Realtime;

/// <summary>
/// Holds what the hub writes to a new connection, its handshake answer first, until the connection is registered.
/// SignalR answers the handshake before the hub lifetime manager has registered the connection (on a scaled-out
/// cluster, subscribed its user's channel on Redis), so a client that went on as soon as its handshake was answered
/// could miss a push to its user sent in that moment from another node. With the gate, a client's handshake completes
/// only once every node can reach the connection: bare <c>@microsoft/signalr</c> and .NET SignalR clients are as safe
/// as Netra's own, which also wait for <c>ConnectionEstablished</c>.
/// </summary>
/// <remarks>
/// Installed in the connection pipeline in front of the hub (<see cref="Hold"/>), opened by <see cref="OpenFilter"/>,
/// the outermost hub filter, whose <c>OnConnectedAsync</c> runs right after the lifetime manager's. Held writes go into
/// the connection's pipe unflushed, so the transport sends nothing of them; opening flushes them and puts the
/// connection's own pipe back, so the gate costs nothing per write afterwards. A connection that ends without being
/// opened (a refused handshake: an unknown protocol, a bad handshake message) still gets its answer: completing the
/// pipe sends what it holds.
/// </remarks>
internal sealed class HandshakeGate : PipeWriter
{
    private readonly ConnectionContext connection;
    private readonly IDuplexPipe transport;
    private readonly PipeWriter output;
    private readonly Lock sync = new();
    private bool opened;
    private bool held;

    private HandshakeGate(ConnectionContext connection)
    {
        this.connection = connection;
        transport = connection.Transport;
        output = transport.Output;
    }

    /// <summary>Connection middleware: every connection starts with its output held.</summary>
    public static ConnectionDelegate Hold(ConnectionDelegate next) => connection =>
    {
        var gate = new HandshakeGate(connection);
        connection.Transport = new DuplexPipe(gate.transport.Input, gate);
        return next(connection);
    };

    /// <summary>Sends what was held, and lets every later write through as if there had been no gate.</summary>
    public ValueTask<FlushResult> OpenAsync()
    {
        ValueTask<FlushResult> flush;
        lock (sync)
        {
            opened = true;
            // Under the lock: a write that reached the gate before this is done with the pipe, and one after it sees the
            // gate open and goes straight through (SignalR writes to a connection one at a time, and after the handshake,
            // which is done before the gate opens, only whole: WriteAsync).
            flush = held ? output.FlushAsync() : default;
        }

        connection.Transport = transport;
        return flush;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        lock (sync)
        {
            if (!opened)
            {
                held = true;
                return default;
            }
        }

        return output.FlushAsync(cancellationToken);
    }

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        lock (sync)
        {
            if (!opened)
            {
                output.Write(source.Span);
                held = true;
                return default;
            }
        }

        return output.WriteAsync(source, cancellationToken);
    }

    public override void Advance(int bytes) => output.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => output.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => output.GetSpan(sizeHint);

    public override void CancelPendingFlush() => output.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => output.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => output.CompleteAsync(exception);

    /// <summary>The outermost hub filter: the connection is registered when its <c>OnConnectedAsync</c> runs.</summary>
    internal sealed class OpenFilter : IHubFilter
    {
        public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
        {
            // Found as the connection's output, not as a feature of its own: a feature added for the handshake would leave
            // its place in the connection's feature dictionary for the connection's life.
            if (context.Context.Features.Get<IConnectionTransportFeature>()?.Transport.Output is not HandshakeGate gate)
            {
                return next(context);
            }

            var flush = gate.OpenAsync();
            return flush.IsCompletedSuccessfully ? next(context) : AfterFlushAsync(flush, context, next);
        }

        private static async Task AfterFlushAsync(ValueTask<FlushResult> flush, HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
        {
            await flush;
            await next(context);
        }
    }
}
