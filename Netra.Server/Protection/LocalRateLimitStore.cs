using System.Collections.Concurrent;

namespace Netra.Server.Protection;

/// <summary>
/// The single-node store: per key, the counts of its calls by slice of the window (see <see cref="IRateLimitStore"/>),
/// oldest first. Keys idle for a whole window are dropped on a later sweep, so memory follows active users.
/// </summary>
internal sealed class LocalRateLimitStore(TimeProvider time) : IRateLimitStore
{
    private readonly ConcurrentDictionary<string, SlicedLog> logs = new(StringComparer.Ordinal);
    private readonly SweepSchedule sweeps = new(time, TimeSpan.FromMinutes(1));

    /// <summary>Keys held (for tests: idle ones go on a sweep).</summary>
    internal int KeyCount => logs.Count;

    public ValueTask<RateLimitDecision> TryAcquireAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        SweepIfDue(now);
        var sliceTicks = Math.Max(1, (long)(window.TotalSeconds * time.TimestampFrequency) / IRateLimitStore.SlicesPerWindow);
        while (true)
        {
            var log = logs.GetOrAdd(key, static _ => new SlicedLog());
            if (log.TryAcquire(now, limit, sliceTicks, time) is { } decision)
            {
                return ValueTask.FromResult(decision);
            }

            // The sweep retired this log after this call found it: it counts nothing more. Remove it (if the sweep has
            // not yet) and take the key's new one.
            logs.TryRemove(KeyValuePair.Create(key, log));
        }
    }

    /// <summary>Slice counts one key holds now (for tests: at most <see cref="IRateLimitStore.SlicesPerWindow"/> + 1).</summary>
    internal int SlicesHeld(string key) => logs.TryGetValue(key, out var log) ? log.Length : 0;

    private void SweepIfDue(long now)
    {
        if (!sweeps.TryClaim(now))
        {
            return;
        }

        foreach (var (key, log) in logs)
        {
            if (log.TryRetireIfIdle(now))
            {
                logs.TryRemove(KeyValuePair.Create(key, log));
            }
        }
    }

    /// <summary>
    /// A ring of (slice, count) pairs, oldest first: one pair per slice that had a counted call, so never more than
    /// the window's slices plus the current one, nor more than the calls counted.
    /// </summary>
    private sealed class SlicedLog
    {
        private readonly Lock gate = new();
        private (long Slice, int Count)[] entries = new (long, int)[2];
        private int head;
        private int total;
        private long sliceTicks = 1;
        private bool retired;

        public int Length { get; private set; }

        private int Last => (head + Length - 1) % entries.Length;

        /// <summary>
        /// Counts one call if the window has room; refused, says when enough of the oldest slices will have left it.
        /// Null once the sweep retired this log.
        /// </summary>
        public RateLimitDecision? TryAcquire(long now, int limit, long ticksPerSlice, TimeProvider time)
        {
            lock (gate)
            {
                if (retired)
                {
                    return null;
                }

                sliceTicks = ticksPerSlice;
                var current = now / ticksPerSlice;
                while (Length > 0 && entries[head].Slice < current - IRateLimitStore.SlicesPerWindow)
                {
                    total -= entries[head].Count;
                    head = (head + 1) % entries.Length;
                    Length--;
                }

                if (total < limit)
                {
                    Count(current);
                    return RateLimitDecision.Allow;
                }

                // The first slice whose leaving brings the count under the limit: it leaves one window after it ends.
                var leaving = 0;
                for (var i = 0; ; i++)
                {
                    var (slice, count) = entries[(head + i) % entries.Length];
                    leaving += count;
                    if (total - leaving < limit)
                    {
                        return new RateLimitDecision(false, time.GetElapsedTime(now, (slice + IRateLimitStore.SlicesPerWindow + 1) * ticksPerSlice));
                    }
                }
            }
        }

        /// <summary>True, and retired for good, when no counted call is left in the window.</summary>
        public bool TryRetireIfIdle(long now)
        {
            lock (gate)
            {
                retired = Length == 0 || (entries[Last].Slice + IRateLimitStore.SlicesPerWindow + 1) * sliceTicks <= now;
                return retired;
            }
        }

        private void Count(long current)
        {
            total++;
            if (Length > 0 && entries[Last].Slice == current)
            {
                entries[Last].Count++;
                return;
            }

            if (Length == entries.Length)
            {
                var grown = new (long, int)[entries.Length * 2];
                for (var i = 0; i < Length; i++)
                {
                    grown[i] = entries[(head + i) % entries.Length];
                }

                entries = grown;
                head = 0;
            }

            entries[(head + Length) % entries.Length] = (current, 1);
            Length++;
        }
    }
}
