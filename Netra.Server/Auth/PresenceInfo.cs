namespace Netra.Server.Auth;

/// <summary>What presence shows of a user: the name and when they were last connected.</summary>
internal sealed record PresenceInfo(long Id, string DisplayName, DateTimeOffset? LastSeenAt);
