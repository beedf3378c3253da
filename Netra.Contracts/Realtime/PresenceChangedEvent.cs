namespace Netra.Contracts.Realtime;

/// <summary>
/// A user's presence on the <c>presence</c> channel, and an entry of <c>GET /api/presence</c>.
/// <see cref="Status"/> is <c>online</c>, <c>away</c> (set by the user with <c>SetPresence</c>) or <c>offline</c>;
/// <see cref="LastSeen"/> is when the user was last connected (now, while online).
/// </summary>
/// <remarks>
/// Announcements of one user can arrive out of order (two nodes, or a reload's disconnect and connect announced
/// together), so each carries <see cref="Version"/>: every change of a user's presence has a greater one than the
/// user's earlier changes, and a <c>GET /api/presence</c> entry has the version of the state it read. A client applies
/// an event or entry only when its version is greater than the one it holds for that user.
/// </remarks>
public sealed record PresenceChangedEvent(long UserId, string DisplayName, bool IsOnline, string Status, DateTimeOffset? LastSeen, long Version);
