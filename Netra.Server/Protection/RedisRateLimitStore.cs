using Microsoft.Extensions.Options;
using Netra.Server.Backplane;
using StackExchange.Redis;

namespace Netra.Server.Protection;

/// <summary>
/// The scaled-out store: per key, a Redis hash of counts by slice of the window (see <see cref="IRateLimitStore"/>),
/// trimmed and summed by a Lua script on Redis's own clock, so every node counts against the same window. When Redis
/// cannot answer, the node falls back to its local counters (logged) rather than refusing or admitting everyone.
/// </summary>
internal sealed class RedisRateLimitStore(
    RedisConnection redis,
    IOptions<BackplaneOptions> backplane,
    LocalRateLimitStore fallback,
    ILogger<RedisRateLimitStore> logger) : IRateLimitStore
{
    // KEYS[1] = the key's hash: field, a slice's number; value, the calls counted in it. (Named apart from the sorted
    // sets earlier versions kept under {prefix}:ratelimit:{key}, so that nodes of both kinds side by side during an
    // upgrade do not fail on each other's keys.) ARGV = slice ms, slices per window, limit. Returns 0 when admitted,
    // else ms until enough of the oldest slices have left the window for one more call.
    private const string SlicedWindowScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local width = tonumber(ARGV[1])
        local slices = tonumber(ARGV[2])
        local limit = tonumber(ARGV[3])
        local current = math.floor(now / width)
        local live = {}
        local total = 0
        local stored = redis.call('HGETALL', KEYS[1])
        for i = 1, #stored, 2 do
          local slice = tonumber(stored[i])
          if slice < current - slices then
            redis.call('HDEL', KEYS[1], stored[i])
          else
            local count = tonumber(stored[i + 1])
            total = total + count
            live[#live + 1] = { slice, count }
          end
        end
        if total < limit then
          redis.call('HINCRBY', KEYS[1], string.format('%d', current), 1)
          redis.call('PEXPIRE', KEYS[1], (slices + 1) * width)
          return 0
        end
        table.sort(live, function(a, b) return a[1] < b[1] end)
        local leaving = 0
        for _, entry in ipairs(live) do
          leaving = leaving + entry[2]
          if total - leaving < limit then
            return math.max(1, (entry[1] + slices + 1) * width - now)
          end
        end
        """;

    public async ValueTask<RateLimitDecision> TryAcquireAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        try
        {
            var database = (await redis.GetAsync(cancellationToken)).GetDatabase();
            var sliceMs = Math.Max(1, (long)window.TotalMilliseconds / IRateLimitStore.SlicesPerWindow);
            var waitMs = (long)await database.ScriptEvaluateAsync(
                SlicedWindowScript,
                [(RedisKey)$"{backplane.Value.ChannelPrefix}:ratelimit:slices:{key}"],
                [sliceMs, IRateLimitStore.SlicesPerWindow, limit]);
            return waitMs == 0 ? RateLimitDecision.Allow : new RateLimitDecision(false, TimeSpan.FromMilliseconds(waitMs));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            ProtectionLog.RateLimitStoreUnavailable(logger, key, exception);
            return await fallback.TryAcquireAsync(key, limit, window, cancellationToken);
        }
    }
}
