using System.IO.Pipelines;

namespace Netra.Server.Realtime;

/// <summary>
/// A <see cref="PipeReader"/> over a connection's input that notes when the client last sent anything. Its reader
/// (SignalR's dispatch loop) advances after every read that returned data, so the time of the last advance is the
/// time the client was last heard from; reads pass straight through, with no state machine of their own.
/// </summary>
internal sealed class ActivityPipeReader(PipeReader inner, TimeProvider time) : PipeReader
{
    private long lastActivity = time.GetTimestamp();

    /// <summary>How long the client has sent nothing.</summary>
    public TimeSpan IdleFor => time.GetElapsedTime(Volatile.Read(ref lastActivity));

    public override void AdvanceTo(SequencePosition consumed)
    {
        Touch();
        inner.AdvanceTo(consumed);
    }

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        Touch();
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => inner.ReadAsync(cancellationToken);

    public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

    private void Touch() => Volatile.Write(ref lastActivity, time.GetTimestamp());
}
