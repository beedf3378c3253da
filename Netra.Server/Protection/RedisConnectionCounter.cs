using StackExchange.Redis;

namespace Netra.Server.Protection;

/// <summary>
/// Scaled out, a user's connections are counted across nodes in Redis, each under a lease its node renews
/// (<see cref="RedisLeases"/>). The node's own cap stays local. While Redis cannot answer, the node falls back to
/// counting on its own (logged).
/// </summary>
internal sealed class RedisConnectionCounter(RedisLeases leases, LocalConnectionCounter local, ILogger<RedisConnectionCounter> logger) : IConnectionCounter
{
    public const string Kind = "connections";

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
            if (!await leases.TryTakeAsync(Kind, userId, connectionId, maxPerUser, cancellationToken))
            {
                local.Remove(userId);
                return $"{maxPerUser} connections per user are open already; close one (another tab or device) first";
            }

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
        await leases.ReleaseAsync(Kind, userId, connectionId);
    }
}
