using Netra.Contracts.Realtime;

namespace Netra.Server.Presence;

/// <summary>
/// A single node's presence: in memory, since every connection is here. A user's connection ids are a small array
/// (replaced under the lock), not a set: a user has a handful of connections, and a set costs about 0.2 KiB per user.
/// </summary>
internal sealed class LocalPresenceStore(TimeProvider time) : IPresenceStore
{
    private readonly Dictionary<long, string[]> connections = [];
    private readonly Dictionary<long, string> statuses = [];

    // The presence clock: microseconds since 1970 at least, so a restarted node's versions are above its last run's.
    // A read moves it too, so that a change right after the read never gets the read's version.
    private long clock;

    public ValueTask<long?> AddConnectionAsync(long userId, string connectionId, CancellationToken cancellationToken)
    {
        lock (connections)
        {
            if (!connections.TryGetValue(userId, out var ids))
            {
                connections[userId] = [connectionId];
                return ValueTask.FromResult<long?>(Tick());
            }

            if (!ids.Contains(connectionId, StringComparer.Ordinal))
            {
                connections[userId] = [.. ids, connectionId];
            }

            return ValueTask.FromResult<long?>(null);
        }
    }

    public ValueTask<long?> RemoveConnectionAsync(long userId, string connectionId)
    {
        lock (connections)
        {
            if (!connections.TryGetValue(userId, out var ids) || !ids.Contains(connectionId, StringComparer.Ordinal))
            {
                return ValueTask.FromResult<long?>(null);
            }

            if (ids.Length > 1)
            {
                connections[userId] = Array.FindAll(ids, id => !string.Equals(id, connectionId, StringComparison.Ordinal));
                return ValueTask.FromResult<long?>(null);
            }

            connections.Remove(userId);
            statuses.Remove(userId);
            return ValueTask.FromResult<long?>(Tick());
        }
    }

    public ValueTask<long?> SetStatusAsync(long userId, string status, CancellationToken cancellationToken)
    {
        lock (connections)
        {
            if (!connections.ContainsKey(userId))
            {
                return ValueTask.FromResult<long?>(null);
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

            return ValueTask.FromResult(previous == status ? null : (long?)Tick());
        }
    }

    public ValueTask<PresenceSnapshot> GetOnlineAsync(CancellationToken cancellationToken)
    {
        lock (connections)
        {
            var online = connections.Keys.ToDictionary(id => id, id => statuses.GetValueOrDefault(id, PresenceStatus.Online));
            return ValueTask.FromResult(new PresenceSnapshot(Tick(), online));
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

    // Under the lock.
    private long Tick() => clock = Math.Max(clock + 1, (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond);
}
