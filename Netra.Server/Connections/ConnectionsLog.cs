namespace Netra.Server.Connections;

internal static partial class ConnectionsLog
{
    [LoggerMessage(EventId = 11400, Level = LogLevel.Information, Message = "Connection request {RequestId} from user {FromUserId} to user {ToUserId}")]
    public static partial void Requested(ILogger logger, long requestId, long fromUserId, long toUserId);

    [LoggerMessage(EventId = 11401, Level = LogLevel.Information, Message = "Connection request {RequestId} from user {FromUserId} accepted by user {ToUserId}")]
    public static partial void Accepted(ILogger logger, long requestId, long fromUserId, long toUserId);

    [LoggerMessage(EventId = 11402, Level = LogLevel.Warning, Message = "Push of connection request {RequestId} to user {UserId} failed; it is stored and listed")]
    public static partial void PushFailed(ILogger logger, long requestId, long userId, Exception exception);

    [LoggerMessage(EventId = 11403, Level = LogLevel.Information, Message = "Connection request {RequestId} from user {FromUserId} declined by user {ToUserId}")]
    public static partial void Declined(ILogger logger, long requestId, long fromUserId, long toUserId);
}
