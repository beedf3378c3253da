namespace Netra.Server.Errors;

internal static partial class ErrorsLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path} (trace {TraceId})")]
    public static partial void UnhandledHttpException(ILogger logger, string method, PathString path, string traceId, Exception exception);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "{Method} {Path} failed with {Code}: {Detail}")]
    public static partial void ExpectedHttpFailure(ILogger logger, string method, PathString path, string code, string detail);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Hub method {Method} failed unexpectedly for connection {ConnectionId} (user {UserId})")]
    public static partial void UnhandledHubException(ILogger logger, string method, string connectionId, string? userId, Exception exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "{Method} {Path} (trace {TraceId}) failed: PostgreSQL cannot be reached ({Reason}); answered 503")]
    public static partial void StorageUnavailableHttp(ILogger logger, string method, PathString path, string traceId, string reason);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Hub method {Method} failed for connection {ConnectionId}: PostgreSQL cannot be reached ({Reason})")]
    public static partial void StorageUnavailableHub(ILogger logger, string method, string connectionId, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Hub method {Method} refused for connection {ConnectionId}: {Code}: {Detail}")]
    public static partial void ExpectedHubFailure(ILogger logger, string method, string connectionId, string code, string detail);
}
