using Microsoft.Extensions.Logging;

namespace Netra.Client.Internal;

/// <summary>Log messages of <see cref="NetraClient"/> (event ids 3200-3299). Tokens and message contents are never logged.</summary>
internal static partial class NetraClientLog
{
    [LoggerMessage(3200, LogLevel.Information, "Connection state is now {State}.")]
    public static partial void StateChanged(ILogger logger, NetraConnectionState state);

    [LoggerMessage(3201, LogLevel.Warning, "The connection dropped; reconnecting.")]
    public static partial void Reconnecting(ILogger logger, Exception? exception);

    [LoggerMessage(3202, LogLevel.Information, "Reconnected; resuming {ChannelCount} channels and sending {QueuedCount} queued messages.")]
    public static partial void Reconnected(ILogger logger, int channelCount, int queuedCount);

    [LoggerMessage(3203, LogLevel.Warning, "The connection closed and will not be retried.")]
    public static partial void Closed(ILogger logger, Exception? exception);

    [LoggerMessage(3204, LogLevel.Debug, "Resumed {Channel} after seq {SinceSeq}: {MissedCount} missed, server head {LastSeq}, recovered {Recovered}.")]
    public static partial void Resumed(ILogger logger, string channel, long? sinceSeq, int missedCount, long lastSeq, bool recovered);

    [LoggerMessage(3205, LogLevel.Warning, "The server could not replay everything {Channel} missed; the application should reload its history.")]
    public static partial void ResumeIncomplete(ILogger logger, string channel);

    [LoggerMessage(3206, LogLevel.Warning, "Re-subscribing {Channel} was refused ({Code}); the channel is no longer followed.")]
    public static partial void ResubscribeRefused(ILogger logger, string channel, string code);


    [LoggerMessage(3208, LogLevel.Debug, "A send was interrupted by a dropped connection; it is retried after reconnect with client message id {ClientMessageId}.")]
    public static partial void SendInterrupted(ILogger logger, string? clientMessageId, Exception exception);

    [LoggerMessage(3209, LogLevel.Error, "An event handler threw; the next events are still delivered.")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(3210, LogLevel.Warning, "The access token provider failed.")]
    public static partial void TokenProviderFailed(ILogger logger, Exception exception);

    [LoggerMessage(3211, LogLevel.Information, "{Channel} has a gap after seq {Seq} that did not close within {Timeout}; re-subscribing to fill it.")]
    public static partial void RepairingGap(ILogger logger, string channel, long? seq, TimeSpan timeout);

    [LoggerMessage(3212, LogLevel.Debug, "Re-subscribing {Channel} stopped: the connection dropped; the next connection's resume re-subscribes it.")]
    public static partial void ResubscribeInterrupted(ILogger logger, string channel, Exception exception);

    [LoggerMessage(3213, LogLevel.Debug, "The ping that applies the server's heartbeat timings failed; the next connection applies them again.")]
    public static partial void HeartbeatPingFailed(ILogger logger, Exception exception);

    [LoggerMessage(3214, LogLevel.Information, "Removed from {Channel} by its creator; the channel is no longer followed.")]
    public static partial void RemovedFromChat(ILogger logger, string channel);

    [LoggerMessage(3215, LogLevel.Information, "{Path} was rate limited; sending again in {RetryAfter}.")]
    public static partial void PublishRateLimited(ILogger logger, string path, TimeSpan retryAfter);

    [LoggerMessage(3216, LogLevel.Warning, "{Path} failed on attempt {Attempt} ({Reason}); sending it again with the same idempotency key in {Delay}.")]
    public static partial void PublishRetried(ILogger logger, string path, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(3217, LogLevel.Warning, "The server did not send ConnectionEstablished within {Timeout}; using the connection anyway, though a push from another node may miss it until the server has registered it.")]
    public static partial void EstablishedLate(ILogger logger, TimeSpan timeout);

    [LoggerMessage(3218, LogLevel.Warning, "Re-subscribing {Channel} failed ({Error}); it is still followed and tried again in {Delay}.")]
    public static partial void ResubscribeFailed(ILogger logger, string channel, string error, TimeSpan delay);

    [LoggerMessage(3219, LogLevel.Warning, "Re-subscribing {Channel} failed ({Code}) and the resubscribe retry policy gave up; it is still followed and re-subscribed on the next reconnect.")]
    public static partial void ResubscribeGaveUp(ILogger logger, string channel, string code);

    [LoggerMessage(3220, LogLevel.Debug, "Re-subscribing {Channel} after seq {SinceSeq} ({Failures} failed so far).")]
    public static partial void Resubscribing(ILogger logger, string channel, long? sinceSeq, int failures);
}
