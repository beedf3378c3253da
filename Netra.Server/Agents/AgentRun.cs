using System.Threading.Channels;
using Netra.Contracts.Agents;

namespace Netra.Server.Agents;

/// <summary>
/// One run in progress on this node: its agent and request, its step counter, the stream to the
/// connection that started it, and the cancellation that stops it (by the caller, by its time limit,
/// or by the node stopping).
/// </summary>
internal sealed class AgentRun : IDisposable
{
    private readonly Channel<AgentEvent> toCaller = Channel.CreateUnbounded<AgentEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource timeLimit;
    private readonly CancellationTokenSource cancellation;
    private readonly Lock gate = new();
    private string? cancelReason;
    private bool disposed;
    private int step;

    public AgentRun(IAgent agent, AgentRunContext context, string? callerConnectionId, TimeSpan maxDuration, TimeProvider time, CancellationToken stopping)
    {
        Agent = agent;
        Context = context;
        CallerConnectionId = callerConnectionId;
        timeLimit = new CancellationTokenSource(maxDuration, time);
        cancellation = CancellationTokenSource.CreateLinkedTokenSource(timeLimit.Token, stopping);
    }

    public string Id => Context.RunId;

    public IAgent Agent { get; }

    public AgentRunContext Context { get; }

    /// <summary>The connection streaming this run (left out of the chat broadcast), or null for none.</summary>
    public string? CallerConnectionId { get; }

    public CancellationToken Token => cancellation.Token;

    public ChannelReader<AgentEvent> CallerEvents => toCaller.Reader;

    public bool TimedOut => timeLimit.IsCancellationRequested;

    /// <summary>Why <see cref="Cancel"/> was called, if it was.</summary>
    public string? CancelReason
    {
        get
        {
            lock (gate)
            {
                return cancelReason;
            }
        }
    }

    /// <summary>The task that executes the run; set once, right after it starts.</summary>
    public Task? Execution { get; set; }

    /// <summary>Holds the caller's stream-cancellation callback for as long as the run lives.</summary>
    public CancellationTokenRegistration CallerRegistration { get; set; }

    public int NextStep() => Interlocked.Increment(ref step);

    public void ToCaller(AgentEvent agentEvent) => toCaller.Writer.TryWrite(agentEvent);

    /// <summary>The caller is gone: its stream ends here, the run goes on for the chat.</summary>
    public void DetachCaller() => toCaller.Writer.TryComplete();

    public void Cancel(string reason)
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            cancelReason ??= reason;
            cancellation.Cancel();
        }
    }

    public void Dispose()
    {
        CallerRegistration.Dispose();
        toCaller.Writer.TryComplete();
        lock (gate)
        {
            disposed = true;
            cancellation.Dispose();
            timeLimit.Dispose();
        }
    }
}
