using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Netra.Server.Backplane;
using StackExchange.Redis;

namespace Netra.Server.Protection;

/// <summary>
/// Scaled out, a user's connections are counted in Redis, one sorted set per user whose members are
/// this node's connections with a lease: each node renews the leases of its own connections every
/// <see cref="RenewInterval"/>, so a node that dies without closing its connections stops counting
/// within <see cref="Lease"/>. The node's own cap stays local. While Redis cannot answer, the node
/// falls back to counting on its own (logged).
/// </summary>
internal sealed class RedisConnectionCounter(
    RedisConnection redis,
    IOptions<BackplaneOptions> backplane,
    LocalConnectionCounter local,
    ILogger<RedisConnectionCounter> logger) : IConnectionCounter, IHostedService, IDisposable
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RenewInterval = TimeSpan.FromSeconds(10);

    // KEYS[1] = the user's set; ARGV = member, limit, lease ms. Returns 1 when counted, 0 when the limit is reached.
    private const string AddScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
          return 0
        end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
        return 1
        """;

    // KEYS[1] = the user's set; ARGV = member, lease ms. Extends the lease of a member that is still there.
    private const string RenewScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
          redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
          redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
        end
        return 0
        """;

    // This node's counted connections (id → user), only to renew their leases.
    private readonly ConcurrentDictionary<string, string> counted = new(StringComparer.Ordinal);
    private Timer? renewTimer;

    public async ValueTask<string?> TryAddAsync(string userId, string connectionId, int maxPerUser, int maxPerNode, CancellationToken cancellationToken)
    {
        // The node's cap, and the user's count on this node (never above the limit anywhere).
        var refusal = local.TryAdd(userId, maxPerUser, maxPerNode);
        if (refusal is not null)
        {
            return refusal;
        }

        try
        {
            var database = (await redis.GetAsync(cancellationToken)).GetDatabase();
            var added = (long)await database.ScriptEvaluateAsync(
                AddScript, [Key(userId)], [Member(connectionId), maxPerUser, (long)Lease.TotalMilliseconds]);
            if (added == 0)
            {
                local.Remove(userId);
                return $"{maxPerUser} connections per user are open already; close one (another tab or device) first";
            }

            counted[connectionId] = userId;
            return null;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            ProtectionLog.ConnectionCountUnavailable(logger, userId, exception);
            return null;
        }
    }

    public async ValueTask RemoveAsync(string userId, string connectionId)
    {
        local.Remove(userId);
        if (!counted.TryRemove(connectionId, out _))
        {
            return;
        }

        try
        {
            var database = (await redis.GetAsync(CancellationToken.None)).GetDatabase();
            await database.SortedSetRemoveAsync(Key(userId), Member(connectionId));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The lease runs out by itself: the count is right again within Lease.
            ProtectionLog.ConnectionCountUnavailable(logger, userId, exception);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        renewTimer = new Timer(_ => _ = RenewAsync(), null, RenewInterval, RenewInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        renewTimer?.Change(Timeout.Infinite, Timeout.Infinite);
        return Task.CompletedTask;
    }

    public void Dispose() => renewTimer?.Dispose();

    private async Task RenewAsync()
    {
        try
        {
            var database = (await redis.GetAsync(CancellationToken.None)).GetDatabase();
            var renewals = counted.Select(pair =>
                database.ScriptEvaluateAsync(RenewScript, [Key(pair.Value)], [Member(pair.Key), (long)Lease.TotalMilliseconds]));
            await Task.WhenAll(renewals);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Renewal resumes on the next tick; a lease that ran out meanwhile only lets a user open one more connection.
            ProtectionLog.ConnectionLeaseRenewalFailed(logger, exception);
        }
    }

    private RedisKey Key(string userId) => $"{backplane.Value.ChannelPrefix}:connections:user:{userId}";

    private RedisValue Member(string connectionId) => $"{redis.ServerName}|{connectionId}";
}
