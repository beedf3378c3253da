using System.IO.Pipelines;

namespace Netra.Server.Realtime;

/// <summary>A <see cref="PipeReader"/> over a connection's input that notes when the client last sent anything.</summary>
internal sealed class ActivityPipeReader(PipeReader inner, TimeProvider time) : PipeReader
{
    private long lastActivity = time.GetTimestamp();

    /// <summary>How long the client has sent nothing.</summary>
    public TimeSpan IdleFor => time.GetElapsedTime(Volatile.Read(ref lastActivity));

    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
        Observe(await inner.ReadAsync(cancellationToken));

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }

        Observe(result);
        return true;
    }

    private ReadResult Observe(ReadResult result)
    {
        if (!result.Buffer.IsEmpty)
        {
            Volatile.Write(ref lastActivity, time.GetTimestamp());
        }

        return result;
    }
}
