using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Netra.Server.Backplane;
using StackExchange.Redis;

namespace Netra.Server.Protection;

/// <summary>
/// The scaled-out store: per key, a Redis hash of counts by slice of the window (see <see cref="IRateLimitStore"/>),
/// trimmed and summed by a Lua script on Redis's own clock, so every node counts against the same window. When Redis
/// cannot answer, the node falls back to its local counters (logged) rather than refusing or admitting everyone.
/// </summary>
/// <remarks>
/// A key whose limit allows more than one call a second on average (<see cref="MostAhead"/> over 1) takes permits
/// ahead: a node that needs a permit asks Redis for several, counted at once in the current second, and hands them to
/// the key's next calls on this node without asking again, until that second ends (reckoned from when it asked, so
/// never after the second Redis counted them in) or they run out. So a busy key costs a few round trips a second instead
/// of one per call (the one a call would wait for before it goes on, on a busy node behind the node's other work), and
/// still no minute holds more calls than the limit: each call is counted in the second it is made in or before. What is
/// asked for follows what the key used here: as much as it used in the last second, doubled each time that runs out
/// within a second, at most <see cref="MostAhead"/>. Permits left over when their second ends stay counted, so a key
/// can be refused at most that many calls early on each node. Limits of at most one call a second ask per call, exactly.
/// </remarks>
internal sealed class RedisRateLimitStore(
    RedisConnection redis,
    IOptions<BackplaneOptions> backplane,
    LocalRateLimitStore fallback,
    TimeProvider time,
    ILogger<RedisRateLimitStore> logger) : IRateLimitStore
{
    private readonly ConcurrentDictionary<string, Ahead> aheads = new(StringComparer.Ordinal);
    private readonly SweepSchedule sweeps = new(time, TimeSpan.FromMinutes(1)); // and a key idle that long goes

    // KEYS[1] = the key's hash: a field per slice (its number; value, the calls counted in it), "total" (their sum)
    // and "oldest" (no slice before it is held), so that a call reads and deletes only the slices that left the window
    // since the last one. (Named apart from the sorted sets earlier versions kept under {prefix}:ratelimit:{key}, so that
    // nodes of both kinds side by side during an upgrade do not fail on each other's keys.) ARGV = slice ms, slices per
    // window, limit, permits wanted. Admitted: {permits granted (as many as wanted and the window has room for), the
    // current slice, ms until it ends}; refused: {0, ms until enough of the oldest slices have left for one more call}.
    private const string SlicedWindowScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local width = tonumber(ARGV[1])
        local slices = tonumber(ARGV[2])
        local limit = tonumber(ARGV[3])
        local wanted = tonumber(ARGV[4])
        local current = math.floor(now / width)
        local horizon = current - slices
        local state = redis.call('HMGET', KEYS[1], 'total', 'oldest')
        local total = tonumber(state[1]) or 0
        local oldest = tonumber(state[2]) or current
        local function fields(from, to)
          local names = {}
          for slice = from, to do names[#names + 1] = string.format('%d', slice) end
          return names
        end
        if oldest < horizon then
          local gone = fields(oldest, horizon - 1)
          for _, count in ipairs(redis.call('HMGET', KEYS[1], unpack(gone))) do
            if count then total = total - tonumber(count) end
          end
          redis.call('HDEL', KEYS[1], unpack(gone))
          oldest = horizon
          redis.call('HSET', KEYS[1], 'total', total, 'oldest', oldest)
        end
        if total < limit then
          local granted = math.min(wanted, limit - total)
          redis.call('HINCRBY', KEYS[1], string.format('%d', current), granted)
          redis.call('HSET', KEYS[1], 'total', total + granted, 'oldest', oldest)
          redis.call('PEXPIRE', KEYS[1], (slices + 1) * width)
          return {granted, current, (current + 1) * width - now}
        end
        if oldest <= current then
          local live = fields(oldest, current)
          local leaving = 0
          for i, count in ipairs(redis.call('HMGET', KEYS[1], unpack(live))) do
            if count then
              leaving = leaving + tonumber(count)
              if total - leaving < limit then
                return {0, math.max(1, (oldest + i - 1 + slices + 1) * width - now)}
              end
            end
          end
        end
        -- Only if the counts disagree (Redis's clock went back): a whole window from now.
        return {0, (current + slices + 1) * width - now}
        """;

    /// <summary>The most permits one ask takes ahead for a key of <paramref name="limit"/> calls per window: its average per slice.</summary>
    private static int MostAhead(int limit) => limit / IRateLimitStore.SlicesPerWindow;

    /// <summary>Keys holding permits or their last second's use (for tests: idle ones go on a sweep).</summary>
    internal int KeysAhead => aheads.Count;

    /// <summary>Permits this node holds for <paramref name="key"/> (for tests).</summary>
    internal int PermitsHeld(string key) => aheads.TryGetValue(key, out var ahead) ? ahead.Held : 0;

    public async ValueTask<RateLimitDecision> TryAcquireAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        var sliceMs = Math.Max(1, (long)window.TotalMilliseconds / IRateLimitStore.SlicesPerWindow);
        var most = MostAhead(limit);
        if (most <= 1)
        {
            return (await AskAsync(key, limit, window, sliceMs, wanted: 1, cancellationToken)).Decision;
        }

        var now = time.GetTimestamp();
        SweepIfDue(now);
        var ahead = aheads.GetOrAdd(key, static _ => new Ahead());
        var sliceTicks = sliceMs * time.TimestampFrequency / 1000;
        if (ahead.TryTake(now, most, sliceTicks, out var wanted))
        {
            return RateLimitDecision.Allow;
        }

        var answer = await AskAsync(key, limit, window, sliceMs, wanted, cancellationToken);
        if (answer.Granted > 0)
        {
            ahead.Keep(answer.Granted - 1, answer.Slice, now + (answer.SliceLeftMs * time.TimestampFrequency / 1000), wanted);
        }

        return answer.Decision;
    }

    /// <summary>
    /// Asks Redis for <paramref name="wanted"/> permits counted in the current slice; falls back to this node's own count
    /// (one permit) when Redis cannot answer.
    /// </summary>
    private async ValueTask<Answer> AskAsync(string key, int limit, TimeSpan window, long sliceMs, int wanted, CancellationToken cancellationToken)
    {
        try
        {
            var database = (await redis.GetAsync(cancellationToken)).GetDatabase();
            var reply = (RedisResult[]?)await database.ScriptEvaluateAsync(
                SlicedWindowScript,
                [(RedisKey)$"{backplane.Value.ChannelPrefix}:ratelimit:slices:{key}"],
                [sliceMs, IRateLimitStore.SlicesPerWindow, limit, wanted]);
            return reply switch
            {
                [var granted, var slice, var left] when (int)granted > 0 => new Answer(RateLimitDecision.Allow, (int)granted, (long)slice, (long)left),
                [_, var waitMs] => new Answer(new RateLimitDecision(false, TimeSpan.FromMilliseconds((long)waitMs)), 0, 0, 0),
                _ => throw new RedisException("The rate-limit script answered in a shape this node does not know."),
            };
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            ProtectionLog.RateLimitStoreUnavailable(logger, key, exception);
            return new Answer(await fallback.TryAcquireAsync(key, limit, window, cancellationToken), 0, 0, 0);
        }
    }

    private void SweepIfDue(long now)
    {
        if (!sweeps.TryClaim(now))
        {
            return;
        }

        foreach (var (key, ahead) in aheads)
        {
            if (ahead.IsIdleSince(now - sweeps.IntervalTicks))
            {
                aheads.TryRemove(KeyValuePair.Create(key, ahead));
            }
        }
    }

    /// <summary>What Redis answered: the decision, and when admitted the permits granted and the slice they count in.</summary>
    private readonly record struct Answer(RateLimitDecision Decision, int Granted, long Slice, long SliceLeftMs);

    /// <summary>One key's permits taken ahead on this node, and what it used of them, to size the next ask.</summary>
    private sealed class Ahead
    {
        private readonly Lock gate = new();
        private long slice = -1;   // Redis's slice the held permits count in
        private long until;        // timestamp by which they are used: their slice's end, reckoned from when they were asked for
        private int held;
        private int used;          // permits of that slice this node used
        private int lastWanted;

        /// <summary>Takes a held permit; otherwise says how many to ask for (see the store's remarks).</summary>
        public bool TryTake(long now, int most, long sliceTicks, out int wanted)
        {
            lock (gate)
            {
                if (now < until)
                {
                    if (held > 0)
                    {
                        held--;
                        used++;
                        wanted = 0;
                        return true;
                    }

                    wanted = Math.Min(most, Math.Max(1, lastWanted * 2)); // ran out within the slice
                }
                else
                {
                    wanted = now < until + sliceTicks ? Math.Clamp(used, 1, most) : 1; // the next slice, or idle since
                }

                return false;
            }
        }

        /// <summary>Keeps what is left of a grant (the caller used one), unless permits of a later slice are held already.</summary>
        public void Keep(int left, long grantSlice, long grantUntil, int wanted)
        {
            lock (gate)
            {
                if (grantSlice < slice)
                {
                    return; // answered late: the later slice's permits stay; these stay counted, unused
                }

                if (grantSlice > slice)
                {
                    slice = grantSlice;
                    held = 0;
                    used = 0;
                }

                held += left;
                used++;
                until = Math.Max(until, grantUntil);
                lastWanted = wanted;
            }
        }

        public int Held
        {
            get
            {
                lock (gate)
                {
                    return held;
                }
            }
        }

        public bool IsIdleSince(long since)
        {
            lock (gate)
            {
                return until < since;
            }
        }
    }
}
