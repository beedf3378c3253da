using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace Netra.Client.Transport;

/// <summary>Log messages of the WebSocket transport (event ids 3100-3199). Tokens are never logged.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(3100, LogLevel.Debug, "Negotiating with {Url}.")]
    public static partial void Negotiating(ILogger logger, string url);

    [LoggerMessage(3101, LogLevel.Debug, "Negotiation redirected to {Url}.")]
    public static partial void NegotiationRedirected(ILogger logger, string url);

    [LoggerMessage(3102, LogLevel.Debug, "Negotiated connection {ConnectionId} (negotiate version {Version}).")]
    public static partial void Negotiated(ILogger logger, string? connectionId, int version);

    [LoggerMessage(3103, LogLevel.Debug, "Opening a WebSocket to {Url}.")]
    public static partial void Connecting(ILogger logger, string url);

    [LoggerMessage(3104, LogLevel.Debug, "WebSocket to {Url} open.")]
    public static partial void Connected(ILogger logger, string url);

    [LoggerMessage(3105, LogLevel.Debug, "Connecting to {Url} failed with HTTP status {StatusCode}.")]
    public static partial void ConnectFailedWithStatus(ILogger logger, string url, HttpStatusCode statusCode);

    [LoggerMessage(3110, LogLevel.Debug, "Close frame received from the server: status {CloseStatus}, description '{Description}'.")]
    public static partial void ServerClosed(ILogger logger, WebSocketCloseStatus? closeStatus, string? description);

    [LoggerMessage(3111, LogLevel.Debug, "Receiving from the WebSocket failed.")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(3112, LogLevel.Debug, "The send loop failed: a send to the server, or the application completed its output with an error.")]
    public static partial void SendFailed(ILogger logger, Exception exception);

    [LoggerMessage(3113, LogLevel.Debug, "Could not send the close frame; the socket is already gone.")]
    public static partial void CloseFrameNotSent(ILogger logger, Exception exception);

    [LoggerMessage(3114, LogLevel.Information, "The close did not finish within {CloseTimeout}; aborting the WebSocket.")]
    public static partial void CloseTimedOut(ILogger logger, TimeSpan closeTimeout);

    [LoggerMessage(3115, LogLevel.Debug, "The connection was aborted: {Reason}")]
    public static partial void Aborted(ILogger logger, string reason);

    [LoggerMessage(3116, LogLevel.Debug, "WebSocket transport stopped.")]
    public static partial void Stopped(ILogger logger);
}
