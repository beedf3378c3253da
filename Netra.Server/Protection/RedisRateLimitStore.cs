using Microsoft.Extensions.Options;
using Netra.Server.Backplane;
using StackExchange.Redis;

namespace Netra.Server.Protection;

/// <summary>
/// The scaled-out store: one sorted set per key in Redis, trimmed and counted by a Lua script on
/// Redis's own clock, so every node counts against the same window. When Redis cannot answer, the
/// node falls back to its local counters (logged) rather than refusing or admitting everyone.
/// </summary>
internal sealed class RedisRateLimitStore(
    RedisConnection redis,
    IOptions<BackplaneOptions> backplane,
    LocalRateLimitStore fallback,
    ILogger<RedisRateLimitStore> logger) : IRateLimitStore
{
    // KEYS[1] = counter; ARGV = window ms, limit, unique member. Returns 0 when admitted, else ms until a slot frees.
    private const string SlidingWindowScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local window = tonumber(ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
          redis.call('ZADD', KEYS[1], now, ARGV[3])
          redis.call('PEXPIRE', KEYS[1], window)
          return 0
        end
        local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        return math.max(1, tonumber(oldest[2]) + window - now)
        """;

    public async ValueTask<RateLimitDecision> TryAcquireAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        try
        {
            var database = (await redis.GetAsync(cancellationToken)).GetDatabase();
            var waitMs = (long)await database.ScriptEvaluateAsync(
                SlidingWindowScript,
                [(RedisKey)$"{backplane.Value.ChannelPrefix}:ratelimit:{key}"],
                [(long)window.TotalMilliseconds, limit, Guid.NewGuid().ToString("N")]);
            return waitMs == 0 ? RateLimitDecision.Allow : new RateLimitDecision(false, TimeSpan.FromMilliseconds(waitMs));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            ProtectionLog.RateLimitStoreUnavailable(logger, key, exception);
            return await fallback.TryAcquireAsync(key, limit, window, cancellationToken);
        }
    }
}
