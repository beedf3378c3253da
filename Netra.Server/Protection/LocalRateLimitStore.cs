using System.Collections.Concurrent;

namespace Netra.Server.Protection;

/// <summary>
/// The single-node store: an exact sliding log per key (the timestamps of the calls counted in the
/// window). Keys idle for a whole window are dropped on a later sweep, so memory follows active users.
/// </summary>
internal sealed class LocalRateLimitStore(TimeProvider time) : IRateLimitStore
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, SlidingLog> logs = new(StringComparer.Ordinal);
    private long nextSweepTicks;

    public ValueTask<RateLimitDecision> TryAcquireAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        SweepIfDue(now);
        var log = logs.GetOrAdd(key, static _ => new SlidingLog());
        return ValueTask.FromResult(log.TryAcquire(now, limit, window, time));
    }

    private void SweepIfDue(long now)
    {
        var due = Interlocked.Read(ref nextSweepTicks);
        if (now < due || Interlocked.CompareExchange(ref nextSweepTicks, now + (long)(SweepInterval.TotalSeconds * time.TimestampFrequency), due) != due)
        {
            return;
        }

        foreach (var (key, log) in logs)
        {
            if (log.IsIdle(now, time))
            {
                logs.TryRemove(KeyValuePair.Create(key, log));
            }
        }
    }

    private sealed class SlidingLog
    {
        private readonly Queue<long> stamps = new();
        private long lastWindowTicks;

        public RateLimitDecision TryAcquire(long now, int limit, TimeSpan window, TimeProvider time)
        {
            var windowTicks = (long)(window.TotalSeconds * time.TimestampFrequency);
            lock (stamps)
            {
                lastWindowTicks = windowTicks;
                while (stamps.Count > 0 && now - stamps.Peek() >= windowTicks)
                {
                    stamps.Dequeue();
                }

                if (stamps.Count < limit)
                {
                    stamps.Enqueue(now);
                    return RateLimitDecision.Allow;
                }

                return new RateLimitDecision(false, time.GetElapsedTime(now, stamps.Peek() + windowTicks));
            }
        }

        public bool IsIdle(long now, TimeProvider time)
        {
            lock (stamps)
            {
                return stamps.Count == 0 || now - stamps.Last() >= lastWindowTicks;
            }
        }
    }
}
