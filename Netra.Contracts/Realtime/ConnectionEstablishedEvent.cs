namespace Netra.Contracts.Realtime;

/// <summary>Sent once to a connection right after the server accepted it.</summary>
public sealed record ConnectionEstablishedEvent(
    string ConnectionId,
    long UserId,
    string UserName,
    string ProtocolVersion,
    int KeepAliveIntervalMs,
    int ClientTimeoutMs,
    DateTimeOffset ServerTime);
