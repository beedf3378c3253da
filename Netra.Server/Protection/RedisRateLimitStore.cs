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
    // KEYS[1] = the key's hash: a field per slice (its number; value, the calls counted in it), "total" (their sum)
    // and "oldest" (no slice before it is held), so that a call reads and deletes only the slices that left the window
    // since the last one. (Named apart from the sorted sets earlier versions kept under {prefix}:ratelimit:{key}, so that
    // nodes of both kinds side by side during an upgrade do not fail on each other's keys.) ARGV = slice ms, slices per
    // window, limit. Returns 0 when admitted, else ms until enough of the oldest slices have left for one more call.
    private const string SlicedWindowScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local width = tonumber(ARGV[1])
        local slices = tonumber(ARGV[2])
        local limit = tonumber(ARGV[3])
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
          redis.call('HINCRBY', KEYS[1], string.format('%d', current), 1)
          redis.call('HSET', KEYS[1], 'total', total + 1, 'oldest', oldest)
          redis.call('PEXPIRE', KEYS[1], (slices + 1) * width)
          return 0
        end
        if oldest <= current then
          local live = fields(oldest, current)
          local leaving = 0
          for i, count in ipairs(redis.call('HMGET', KEYS[1], unpack(live))) do
            if count then
              leaving = leaving + tonumber(count)
              if total - leaving < limit then
                return math.max(1, (oldest + i - 1 + slices + 1) * width - now)
              end
            end
          end
        end
        -- Only if the counts disagree (Redis's clock went back): a whole window from now.
        return (current + slices + 1) * width - now
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
