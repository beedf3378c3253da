namespace Netra.Contracts.Notifications;

public sealed record ConnectionAcceptedEvent(long RequestId, long UserId, string UserName, DateTimeOffset Timestamp);
