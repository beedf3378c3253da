namespace Netra.Contracts.Realtime;

/// <summary>
/// A user's presence on the <c>presence</c> channel, and an entry of <c>GET /api/presence</c>.
/// <see cref="Status"/> is <c>online</c>, <c>away</c> (set by the user with <c>SetPresence</c>) or <c>offline</c>;
/// <see cref="LastSeen"/> is when the user was last connected (now, while online).
/// </summary>
public sealed record PresenceChangedEvent(long UserId, string DisplayName, bool IsOnline, string Status, DateTimeOffset? LastSeen);
