using System.Collections.Concurrent;

namespace Netra.Server.Protection;

/// <summary>
/// Counts this node's open hub connections, in total and per user, for the connection limits.
/// Counts only: connections themselves stay SignalR's business. Alone it is the single-node
/// counter; scaled out, <see cref="RedisConnectionCounter"/> keeps the per-user count in Redis
/// and uses this one for the node's own cap.
/// </summary>
internal sealed class LocalConnectionCounter : IConnectionCounter
{
    private readonly ConcurrentDictionary<string, int> perUser = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private int total;

    public ValueTask<string?> TryAddAsync(string userId, string connectionId, int maxPerUser, int maxPerNode, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TryAdd(userId, maxPerUser, maxPerNode));

    public ValueTask RemoveAsync(string userId, string connectionId)
    {
        Remove(userId);
        return ValueTask.CompletedTask;
    }

    /// <summary>Counts a new connection unless a limit is reached; returns the refusal reason, or null when counted.</summary>
    public string? TryAdd(string userId, int maxPerUser, int maxPerNode)
    {
        lock (gate)
        {
            if (total >= maxPerNode)
            {
                return $"this node already serves its limit of {maxPerNode} connections; try again later";
            }

            var current = perUser.GetValueOrDefault(userId);
            if (current >= maxPerUser)
            {
                return $"{maxPerUser} connections per user are open already; close one (another tab or device) first";
            }

            perUser[userId] = current + 1;
            total++;
            return null;
        }
    }

    public void Remove(string userId)
    {
        lock (gate)
        {
            total--;
            if (perUser.TryGetValue(userId, out var current) && current > 1)
            {
                perUser[userId] = current - 1;
            }
            else
            {
                perUser.TryRemove(userId, out _);
            }
        }
    }
}
