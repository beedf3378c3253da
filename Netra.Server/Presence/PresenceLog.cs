namespace Netra.Server.Presence;

internal static partial class PresenceLog
{
    [LoggerMessage(EventId = 10000, Level = LogLevel.Debug, Message = "User {UserId} is {Status} (presence version {Version})")]
    public static partial void Changed(ILogger logger, long userId, string status, long version);

    [LoggerMessage(EventId = 10001, Level = LogLevel.Warning, Message = "Presence of user {UserId} could not be written to Redis; this node's connections are written again once it answers")]
    public static partial void StoreUnavailable(ILogger logger, long userId, Exception exception);

    [LoggerMessage(EventId = 10002, Level = LogLevel.Warning, Message = "This node's presence heartbeat had expired; writing its {Count} connections again")]
    public static partial void Resyncing(ILogger logger, int count);

    [LoggerMessage(EventId = 10003, Level = LogLevel.Warning, Message = "A node stopped renewing its heartbeat; {Count} of its users went offline")]
    public static partial void DeadNodeSwept(ILogger logger, int count);

    [LoggerMessage(EventId = 10004, Level = LogLevel.Warning, Message = "Presence heartbeat failed; retrying in {Seconds} s")]
    public static partial void HeartbeatFailed(ILogger logger, int seconds, Exception exception);

    [LoggerMessage(EventId = 10005, Level = LogLevel.Warning, Message = "Announcing the presence of user {UserId} failed")]
    public static partial void AnnounceFailed(ILogger logger, long userId, Exception exception);

    [LoggerMessage(EventId = 10007, Level = LogLevel.Information, Message = "Stopping: this node's connections stay in presence for {Seconds} s, then the other nodes take out the users who did not reconnect elsewhere")]
    public static partial void Leaving(ILogger logger, int seconds);

    [LoggerMessage(EventId = 10008, Level = LogLevel.Warning, Message = "Stopping: this node's heartbeat could not be shortened; the other nodes take its users out of presence once it expires (within {Seconds} s)")]
    public static partial void LeaveFailed(ILogger logger, int seconds, Exception exception);

    [LoggerMessage(EventId = 10006, Level = LogLevel.Error, Message = "Handling a batch of {Count} last-seen writes faulted; its callers get the error, and the next batch goes on")]
    public static partial void LastSeenBatchFaulted(ILogger logger, int count, Exception exception);
}
