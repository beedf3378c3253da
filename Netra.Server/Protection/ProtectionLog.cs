namespace Netra.Server.Protection;

internal static partial class ProtectionLog
{
    [LoggerMessage(EventId = 8000, Level = LogLevel.Information, Message = "Rate limited {Key}: {Limit} {What} per minute; retry in {RetryIn} s")]
    public static partial void RateLimited(ILogger logger, string key, int limit, string what, int retryIn);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Refused connection {ConnectionId} of user {UserId}: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string connectionId, string userId, string reason);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "Refused origin {Origin} on {Path}")]
    public static partial void OriginRefused(ILogger logger, string origin, PathString path);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "Redis could not count {Key}; using this node's own counters meanwhile")]
    public static partial void RateLimitStoreUnavailable(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Warning, Message = "Redis could not count the connections of user {UserId}; this node counts them alone meanwhile")]
    public static partial void ConnectionCountUnavailable(ILogger logger, string userId, Exception exception);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Warning, Message = "Renewing this node's leases in Redis (connections, agent runs) failed; retrying on the next tick")]
    public static partial void LeaseRenewalFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8006, Level = LogLevel.Warning, Message = "Redis could not stop counting one of the {Kind} of user {UserId}; it stops counting when its lease runs out, within {Seconds} s")]
    public static partial void LeaseNotReleased(ILogger logger, string kind, string userId, double seconds, Exception exception);
}
