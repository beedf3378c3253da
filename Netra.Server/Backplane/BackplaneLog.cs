using System.Net;
using StackExchange.Redis;

namespace Netra.Server.Backplane;

internal static partial class BackplaneLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "Backplane connecting to Redis at {Endpoints} as server {ServerName}")]
    public static partial void Connecting(ILogger logger, string endpoints, string serverName);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Backplane connected to Redis (connected now: {IsConnected}; {Connection})")]
    public static partial void Connected(ILogger logger, bool isConnected, string connection);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Backplane lost its {ConnectionType} connection to Redis at {EndPoint} ({FailureType})")]
    public static partial void ConnectionFailed(ILogger logger, ConnectionType connectionType, EndPoint? endPoint, ConnectionFailureType failureType, Exception? exception);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "Backplane {ConnectionType} connection to Redis at {EndPoint} restored")]
    public static partial void ConnectionRestored(ILogger logger, ConnectionType connectionType, EndPoint? endPoint);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Redis error message: {Message} (from {EndPoint})")]
    public static partial void RedisErrorMessage(ILogger logger, string message, EndPoint? endPoint);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Error, Message = "StackExchange.Redis internal error in {Origin}")]
    public static partial void RedisInternalError(ILogger logger, string? origin, Exception exception);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Debug, Message = "Subscribed to {Channel}")]
    public static partial void Subscribed(ILogger logger, string channel);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Debug, Message = "Unsubscribed from {Channel}")]
    public static partial void Unsubscribed(ILogger logger, string channel);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Warning, Message = "Could not subscribe to {Channel}")]
    public static partial void SubscribeFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 7013, Level = LogLevel.Warning, Message = "Could not unsubscribe from {Channel}")]
    public static partial void UnsubscribeFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 7015, Level = LogLevel.Warning, Message = "Redis is not connected: the subscription to {Channel} is sent when it is back")]
    public static partial void SubscribePending(ILogger logger, string channel);

    [LoggerMessage(EventId = 7020, Level = LogLevel.Error, Message = "Failed to deliver a backplane message received on {Channel}")]
    public static partial void ReceiveFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 7022, Level = LogLevel.Warning, Message = "A backplane message of format {Version} arrived on {Channel}; this node speaks {Supported}. A node of another Netra version shares this Redis, and this node drops its messages (logged once per format): upgrade every node to one version")]
    public static partial void ForeignFormat(ILogger logger, byte version, string channel, byte supported);

    [LoggerMessage(EventId = 7021, Level = LogLevel.Warning, Message = "Redis is unavailable: a message for {Channel} was delivered to this node's connections only")]
    public static partial void PublishedLocallyOnly(ILogger logger, string channel, Exception? exception);

    [LoggerMessage(EventId = 7030, Level = LogLevel.Warning, Message = "No node acknowledged {Action} of connection {ConnectionId} to group {GroupName} within {TimeoutSeconds} s")]
    public static partial void AckTimedOut(ILogger logger, GroupAction action, string connectionId, string groupName, int timeoutSeconds);

    [LoggerMessage(EventId = 7031, Level = LogLevel.Warning, Message = "Could not acknowledge group command {Id} to server {ServerName}")]
    public static partial void AckFailed(ILogger logger, int id, string serverName, Exception exception);
}
