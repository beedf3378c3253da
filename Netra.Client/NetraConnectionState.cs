namespace Netra.Client;

/// <summary>Where a <see cref="NetraClient"/> stands with the server.</summary>
public enum NetraConnectionState
{
    /// <summary>Not connected: before <see cref="NetraClient.ConnectAsync"/>, after the reconnect policy gave up, or after disposal.</summary>
    Disconnected,

    /// <summary><see cref="NetraClient.ConnectAsync"/> is opening the first connection.</summary>
    Connecting,

    /// <summary>Connected, channels resumed, offline queue sent.</summary>
    Connected,

    /// <summary>The connection dropped; the retry policy is reconnecting, or the client is resuming its channels.</summary>
    Reconnecting,
}
