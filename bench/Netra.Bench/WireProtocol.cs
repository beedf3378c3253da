namespace Netra.Bench;

/// <summary>How a system talks over its WebSocket.</summary>
public enum WireProtocol
{
    /// <summary>SignalR's JSON hub protocol, records ending in 0x1E, no negotiate (WebSockets only).</summary>
    SignalRJson,

    /// <summary>Engine.IO v4 / Socket.IO v5 text packets over a WebSocket.</summary>
    SocketIo,
}
