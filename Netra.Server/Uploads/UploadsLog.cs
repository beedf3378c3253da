namespace Netra.Server.Uploads;

internal static partial class UploadsLog
{
    [LoggerMessage(EventId = 11100, Level = LogLevel.Information, Message = "User {UserId} uploaded {Name} ({ContentType}, {Size} bytes)")]
    public static partial void Stored(ILogger logger, long userId, string name, string contentType, long size);

    [LoggerMessage(EventId = 11101, Level = LogLevel.Information, Message = "Refused an upload of user {UserId}: {Reason}")]
    public static partial void Refused(ILogger logger, long userId, string reason);

    [LoggerMessage(EventId = 11102, Level = LogLevel.Information, Message = "Refused attachment '{Attachment}' of user {UserId}: not one of their uploads")]
    public static partial void AttachmentRefused(ILogger logger, string attachment, long userId);
}
