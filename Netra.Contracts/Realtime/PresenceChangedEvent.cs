namespace Netra.Contracts.Realtime;

public sealed record PresenceChangedEvent(long UserId, string DisplayName, bool IsOnline, DateTimeOffset? LastSeen);
