namespace Netra.Server.Realtime;

internal static partial class RealtimeLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Debug, Message = "Connection {ConnectionId} opened for user {UserId}")]
    public static partial void Connected(ILogger logger, string connectionId, long userId);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Connection {ConnectionId} of user {UserId} closed ({Reason})")]
    public static partial void Disconnected(ILogger logger, string connectionId, string? userId, string? reason);
}
