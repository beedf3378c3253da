namespace Netra.Server.Realtime;

internal static partial class RealtimeLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Debug, Message = "Connection {ConnectionId} opened for user {UserId}")]
    public static partial void Connected(ILogger logger, string connectionId, long userId);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Connection {ConnectionId} of user {UserId} closed ({Reason})")]
    public static partial void Disconnected(ILogger logger, string connectionId, string? userId, string? reason);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Refused channel '{Channel}' to {Caller}: {Reason}")]
    public static partial void ChannelRefused(ILogger logger, string channel, string caller, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Refused channel '{Channel}' to user {UserId}: not a member")]
    public static partial void MemberRefused(ILogger logger, string channel, long userId);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Connection {ConnectionId} closed: the client sent nothing for {Seconds} s")]
    public static partial void ClientTimedOut(ILogger logger, string connectionId, int seconds);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Thread pool floor raised from {Before} to {After} worker threads (Netra:Realtime:MinWorkerThreads)")]
    public static partial void ThreadPoolFloorRaised(ILogger logger, int before, int after);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "WebSocket {ConnectionId} from {RemoteEndPoint} opened on Netra's transport, which {Sends}")]
    public static partial void DirectWebSocketOpened(ILogger logger, string connectionId, System.Net.EndPoint? remoteEndPoint, string sends);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "WebSocket {ConnectionId} closed with {CloseCode}: the client broke the protocol ({Problem})")]
    public static partial void WebSocketProtocolError(ILogger logger, string connectionId, ushort closeCode, string problem);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Debug, Message = "WebSocket {ConnectionId} ended without a close: {Reason}")]
    public static partial void WebSocketEnded(ILogger logger, string connectionId, string reason);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "WebSocket {ConnectionId} aborted: the client read nothing for {Seconds} s while the server had data for it")]
    public static partial void WebSocketSendTimedOut(ILogger logger, string connectionId, int seconds);
}
