namespace Netra.Server.Protection;

/// <summary>
/// When a store's sweep of its idle keys is due: at most once an interval, by the one call that claims it (calls that
/// find it due at the same moment race for it with a compare-and-swap), so that no timer or thread is needed.
/// </summary>
internal sealed class SweepSchedule(TimeProvider time, TimeSpan interval)
{
    private long next;

    /// <summary>The interval in <see cref="TimeProvider.GetTimestamp"/> ticks.</summary>
    public long IntervalTicks { get; } = (long)(interval.TotalSeconds * time.TimestampFrequency);

    /// <summary>True for the one call that finds the sweep due at <paramref name="now"/>; the next is due an interval later.</summary>
    public bool TryClaim(long now)
    {
        var due = Interlocked.Read(ref next);
        return now >= due && Interlocked.CompareExchange(ref next, now + IntervalTicks, due) == due;
    }
}
