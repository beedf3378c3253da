namespace Netra.Server.Storage;

internal static partial class StorageLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Waiting for the schema migration lock")]
    public static partial void WaitingForMigrationLock(ILogger logger);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Applied migration {Version} ({Name})")]
    public static partial void MigrationApplied(ILogger logger, int version, string name);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "PostgreSQL is not reachable yet; retrying in {Delay}")]
    public static partial void DatabaseNotReady(ILogger logger, TimeSpan delay, Exception exception);
}
