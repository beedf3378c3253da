namespace Netra.Server.Presence;

/// <summary>
/// Who is connected, counted once per user however many connections (tabs, nodes) they hold. Each call
/// answers whether the user's presence changed, so exactly one caller announces it.
/// </summary>
internal interface IPresenceStore
{
    /// <summary>True when this is the user's first connection anywhere: they came online.</summary>
    ValueTask<bool> AddConnectionAsync(long userId, string connectionId, CancellationToken cancellationToken);

    /// <summary>True when this was the user's last connection anywhere: they went offline. Idempotent.</summary>
    ValueTask<bool> RemoveConnectionAsync(long userId, string connectionId);

    /// <summary>Sets an online user's status (online or away); true when it changed. False for a user who is not online.</summary>
    ValueTask<bool> SetStatusAsync(long userId, string status, CancellationToken cancellationToken);

    /// <summary>Every online user and their status.</summary>
    ValueTask<IReadOnlyDictionary<long, string>> GetOnlineAsync(CancellationToken cancellationToken);

    /// <summary>The ids of the user's open connections, on every node.</summary>
    ValueTask<IReadOnlyList<string>> GetConnectionsAsync(long userId, CancellationToken cancellationToken);
}
