namespace Netra.Server.Presence;

/// <summary>
/// Who is connected, counted once per user however many connections (tabs, nodes) they hold. Each change answers
/// whether the user's presence changed, so exactly one caller announces it, and with which version: a presence clock
/// that every change moves forward (at least to the time in microseconds, so it keeps growing across restarts and
/// a Redis that lost its data), by which clients order announcements that arrive out of order.
/// </summary>
internal interface IPresenceStore
{
    /// <summary>The change's version when this is the user's first connection anywhere (they came online), else null.</summary>
    ValueTask<long?> AddConnectionAsync(long userId, string connectionId, CancellationToken cancellationToken);

    /// <summary>The change's version when this was the user's last connection anywhere (they went offline), else null. Idempotent.</summary>
    ValueTask<long?> RemoveConnectionAsync(long userId, string connectionId);

    /// <summary>Sets an online user's status (online or away); the change's version when it changed, null when not or when the user is not online.</summary>
    ValueTask<long?> SetStatusAsync(long userId, string status, CancellationToken cancellationToken);

    /// <summary>Every online user and their status, with a version of its own from the clock.</summary>
    ValueTask<PresenceSnapshot> GetOnlineAsync(CancellationToken cancellationToken);

    /// <summary>The ids of the user's open connections, on every node.</summary>
    ValueTask<IReadOnlyList<string>> GetConnectionsAsync(long userId, CancellationToken cancellationToken);
}

/// <summary>
/// Who was online, and their status, at presence version <paramref name="Version"/>: every change it reflects has a
/// version at most that, every later change a greater one.
/// </summary>
internal sealed record PresenceSnapshot(long Version, IReadOnlyDictionary<long, string> Online);

/// <summary>
/// A user came online (<paramref name="Online"/>) or went offline, at presence version <paramref name="Version"/>;
/// <paramref name="LastSeen"/>: when they were last connected, if not now (a dead or stopped node's users, swept later).
/// </summary>
internal readonly record struct PresenceChange(long UserId, bool Online, long Version, DateTimeOffset? LastSeen = null);
