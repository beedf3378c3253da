namespace Netra.Client;

/// <summary>
/// Codes of <see cref="NetraException"/>s raised by the client itself, beside the server's
/// (<see cref="Netra.Contracts.ErrorCodes"/>).
/// </summary>
public static class NetraClientErrorCodes
{
    /// <summary>A send was made while reconnecting and the offline queue was full.</summary>
    public const string QueueFull = "CLIENT_QUEUE_FULL";

    /// <summary>The client is not connected (never connected, the reconnect policy gave up, or it was disposed).</summary>
    public const string Disconnected = "CLIENT_DISCONNECTED";
}
