namespace Netra.Client;

/// <summary>A snapshot of a <see cref="NetraClient"/>'s counters.</summary>
/// <param name="MessagesSent">Chat messages the server acknowledged (offline-queued ones included, once each).</param>
/// <param name="MessagesReceived">Chat messages delivered to <see cref="NetraClient.NewMessage"/> (live and replayed).</param>
/// <param name="ReconnectCount">Successful automatic reconnects.</param>
/// <param name="LastPingLatency">Round trip of the last <see cref="NetraClient.PingAsync"/>, or null before the first.</param>
public sealed record NetraClientStats(long MessagesSent, long MessagesReceived, int ReconnectCount, TimeSpan? LastPingLatency);
