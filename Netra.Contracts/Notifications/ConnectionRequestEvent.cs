namespace Netra.Contracts.Notifications;

public sealed record ConnectionRequestEvent(long RequestId, long FromUserId, string FromUserName, DateTimeOffset Timestamp);
