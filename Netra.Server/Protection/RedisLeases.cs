using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Netra.Server.Backplane;
using StackExchange.Redis;

namespace Netra.Server.Protection;

/// <summary>
/// Scaled out, what a user holds across nodes (their open connections, their agent runs in progress) is counted in
/// Redis: one sorted set per user and kind, whose members are the holdings of every node, each with a lease. Each node
/// renews the leases of its own holdings every <see cref="RenewInterval"/>, so what a node that died held stops
/// counting within <see cref="Lease"/>. Callers fall back to counting on their node while Redis cannot answer.
/// </summary>
internal sealed class RedisLeases(
    RedisConnection redis,
    IOptions<BackplaneOptions> backplane,
    ILogger<RedisLeases> logger) : IHostedService, IDisposable
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

    /// <summary>
    /// Holdings whose leases one script call renews. A node renews all of its holdings at once every
    /// <see cref="RenewInterval"/>; a call each (10,000 for 10,000 connections) queued that many replies ahead of
    /// everything else on the node's Redis connection, pub/sub messages included, and that many tasks on the node.
    /// </summary>
    internal const int RenewalsPerCall = 256;

    // KEYS = the users' sets; ARGV[1] = lease ms, ARGV[i + 1] = the member in KEYS[i]. Extends the leases of members
    // that are still there (one that ran out or was released stays out).
    private const string RenewScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lease = tonumber(ARGV[1])
        for i, key in ipairs(KEYS) do
          if redis.call('ZSCORE', key, ARGV[i + 1]) then
            redis.call('ZADD', key, now + lease, ARGV[i + 1])
            redis.call('PEXPIRE', key, lease)
          end
        end
        return 0
        """;

    // This node's holdings (set key, member), only to renew their leases.
    private readonly ConcurrentDictionary<(string Key, string Member), byte> held = new();
    private Timer? renewTimer;

    /// <summary>
    /// Counts <paramref name="id"/> among the user's holdings of <paramref name="kind"/> (e.g. <c>connections</c>) unless
    /// <paramref name="max"/> are held already, on any node. Throws <see cref="RedisException"/> or
    /// <see cref="TimeoutException"/> when Redis cannot answer.
    /// </summary>
    public async Task<bool> TryTakeAsync(string kind, string userId, string id, int max, CancellationToken cancellationToken)
    {
        var (key, member) = (Key(kind, userId), Member(id));
        var database = (await redis.GetAsync(cancellationToken)).GetDatabase();
        var taken = (long)await database.ScriptEvaluateAsync(AddScript, [key], [member, max, (long)Lease.TotalMilliseconds]) == 1;
        if (taken)
        {
            held[(key, member)] = 0;
        }

        return taken;
    }

    /// <summary>
    /// Stops counting <paramref name="id"/>. If Redis cannot answer, its lease runs out by itself, so the count is right
    /// again within <see cref="Lease"/> (logged).
    /// </summary>
    public async Task ReleaseAsync(string kind, string userId, string id)
    {
        var (key, member) = (Key(kind, userId), Member(id));
        if (!held.TryRemove((key, member), out _))
        {
            return;
        }

        try
        {
            var database = (await redis.GetAsync(CancellationToken.None)).GetDatabase();
            await database.SortedSetRemoveAsync(key, member);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            ProtectionLog.LeaseNotReleased(logger, kind, userId, Lease.TotalSeconds, exception);
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

    /// <summary>Extends the lease of every holding of this node, <see cref="RenewalsPerCall"/> to a script call.</summary>
    internal async Task RenewAsync()
    {
        try
        {
            var database = (await redis.GetAsync(CancellationToken.None)).GetDatabase();
            var lease = (RedisValue)(long)Lease.TotalMilliseconds;
            var renewals = held.Keys.Chunk(RenewalsPerCall).Select(holdings =>
                database.ScriptEvaluateAsync(RenewScript, [.. holdings.Select(holding => (RedisKey)holding.Key)], [lease, .. holdings.Select(holding => (RedisValue)holding.Member)]));
            await Task.WhenAll(renewals);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Renewal resumes on the next tick; a lease that ran out meanwhile only lets a user hold one more.
            ProtectionLog.LeaseRenewalFailed(logger, exception);
        }
    }

    // Connections keep the key they have had since before agent runs were counted here, so that nodes of both versions count together.
    private string Key(string kind, string userId) => $"{backplane.Value.ChannelPrefix}:{kind}:user:{userId}";

    private string Member(string id) => $"{redis.ServerName}|{id}";
}
