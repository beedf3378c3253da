namespace Netra.Server.Notifications;

internal static partial class NotificationsLog
{
    [LoggerMessage(EventId = 11300, Level = LogLevel.Debug, Message = "Pushed notification {NotificationId} ({Type}) to user {UserId}")]
    public static partial void Pushed(ILogger logger, long notificationId, string type, long userId);

    [LoggerMessage(EventId = 11301, Level = LogLevel.Warning, Message = "Push of notification {NotificationId} to user {UserId} failed; it is stored and listed by GET /api/notifications")]
    public static partial void PushFailed(ILogger logger, long notificationId, long userId, Exception exception);
}
