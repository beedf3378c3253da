namespace Netra.Server.Uploads;

internal static partial class UploadsLog
{
    [LoggerMessage(EventId = 11100, Level = LogLevel.Information, Message = "User {UserId} uploaded {Name} ({ContentType}, {Size} bytes)")]
    public static partial void Stored(ILogger logger, long userId, string name, string contentType, long size);

    [LoggerMessage(EventId = 11101, Level = LogLevel.Information, Message = "Refused an upload of user {UserId}: {Reason}")]
    public static partial void Refused(ILogger logger, long userId, string reason);

    [LoggerMessage(EventId = 11102, Level = LogLevel.Information, Message = "Refused attachment '{Attachment}' of user {UserId}: not one of their uploads")]
    public static partial void AttachmentRefused(ILogger logger, string attachment, long userId);

    [LoggerMessage(EventId = 11103, Level = LogLevel.Information, Message = "Deleted {Count} uploads that no message carried for {Hours} h")]
    public static partial void Swept(ILogger logger, int count, int hours);

    [LoggerMessage(EventId = 11104, Level = LogLevel.Warning, Message = "The record of upload {Name} was deleted but its file could not be; it is no longer served")]
    public static partial void FileNotDeleted(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 11105, Level = LogLevel.Error, Message = "The upload sweep failed; it runs again in {Seconds} s")]
    public static partial void SweepFailed(ILogger logger, int seconds, Exception exception);
}
