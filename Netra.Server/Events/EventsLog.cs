namespace Netra.Server.Events;

internal static partial class EventsLog
{
    [LoggerMessage(EventId = 9000, Level = LogLevel.Debug, Message = "Stored {EventName} '{Type}' as {Channel} seq {Seq}")]
    public static partial void EventStored(ILogger logger, string channel, long seq, string eventName, string type);

    [LoggerMessage(EventId = 9010, Level = LogLevel.Information, Message = "Service {ServiceId} repeated a publish with idempotency key '{Key}'; answered what it stored the first time ({Count} events), stored nothing")]
    public static partial void PublishReplayed(ILogger logger, long serviceId, string key, int count);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Broadcast of {Channel} seq {Seq} failed; the event is stored and will be replayed on resume")]
    public static partial void BroadcastFailed(ILogger logger, string channel, long seq, Exception exception);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Retention removed {Count} {Kind} events")]
    public static partial void Trimmed(ILogger logger, int count, Netra.Contracts.ChannelKind kind);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Error, Message = "The retention sweep failed; it runs again in {Seconds} s")]
    public static partial void TrimFailed(ILogger logger, int seconds, Exception exception);
}
