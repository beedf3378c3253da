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

    [LoggerMessage(EventId = 11104, Level = LogLevel.Warning, Message = "The file {Name} of the uploads folder could not be deleted; no record names it, so it is not served, and the next sweep tries again")]
    public static partial void FileNotDeleted(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 11106, Level = LogLevel.Information, Message = "Deleted {Count} files of the uploads folder that no upload record names and that were older than {Hours} h (left by a node that stopped mid-upload, or a delete that failed)")]
    public static partial void OrphansSwept(ILogger logger, int count, int hours);

    [LoggerMessage(EventId = 11105, Level = LogLevel.Error, Message = "The upload sweep failed; it runs again in {Seconds} s")]
    public static partial void SweepFailed(ILogger logger, int seconds, Exception exception);

    [LoggerMessage(EventId = 11107, Level = LogLevel.Warning, Message = "Upload reservation {ReservationId} could not be ended; it stops counting against the user's quota after {Minutes} min")]
    public static partial void ReservationNotReleased(ILogger logger, long reservationId, double minutes, Exception exception);
}
