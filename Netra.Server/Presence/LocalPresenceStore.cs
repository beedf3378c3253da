using Netra.Contracts.Realtime;

namespace Netra.Server.Presence;

/// <summary>
/// A single node's presence: in memory, since every connection is here. A user's connection ids are a small array
/// (replaced under the lock), not a set: a user has a handful of connections, and a set costs about 0.2 KiB per user.
/// </summary>
internal sealed class LocalPresenceStore : IPresenceStore
{
    private readonly Dictionary<long, string[]> connections = [];
    private readonly Dictionary<long, string> statuses = [];

    public ValueTask<bool> AddConnectionAsync(long userId, string connectionId, CancellationToken cancellationToken)
    {
        lock (connections)
        {
            if (!connections.TryGetValue(userId, out var ids))
            {
                connections[userId] = [connectionId];
                return ValueTask.FromResult(true);
            }

            if (!ids.Contains(connectionId, StringComparer.Ordinal))
            {
                connections[userId] = [.. ids, connectionId];
            }

            return ValueTask.FromResult(false);
        }
    }

    public ValueTask<bool> RemoveConnectionAsync(long userId, string connectionId)
    {
        lock (connections)
        {
            if (!connections.TryGetValue(userId, out var ids) || !ids.Contains(connectionId, StringComparer.Ordinal))
            {
                return ValueTask.FromResult(false);
            }

            if (ids.Length > 1)
            {
                connections[userId] = Array.FindAll(ids, id => !string.Equals(id, connectionId, StringComparison.Ordinal));
                return ValueTask.FromResult(false);
            }

            connections.Remove(userId);
            statuses.Remove(userId);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<bool> SetStatusAsync(long userId, string status, CancellationToken cancellationToken)
    {
        lock (connections)
        {
            if (!connections.ContainsKey(userId))
            {
                return ValueTask.FromResult(false);
            }

            var previous = statuses.GetValueOrDefault(userId, PresenceStatus.Online);
            if (status == PresenceStatus.Online)
            {
                statuses.Remove(userId);
            }
            else
            {
                statuses[userId] = status;
            }

            return ValueTask.FromResult(previous != status);
        }
    }

    public ValueTask<IReadOnlyDictionary<long, string>> GetOnlineAsync(CancellationToken cancellationToken)
    {
        lock (connections)
        {
            IReadOnlyDictionary<long, string> online = connections.Keys.ToDictionary(id => id, id => statuses.GetValueOrDefault(id, PresenceStatus.Online));
            return ValueTask.FromResult(online);
        }
    }

    public ValueTask<IReadOnlyList<string>> GetConnectionsAsync(long userId, CancellationToken cancellationToken)
    {
        lock (connections)
        {
            IReadOnlyList<string> ids = connections.TryGetValue(userId, out var set) ? [.. set] : [];
            return ValueTask.FromResult(ids);
        }
    }
}
