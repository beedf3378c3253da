namespace Netra.Client;

/// <summary>A change of <see cref="NetraClient.State"/>.</summary>
/// <param name="State">The new state.</param>
/// <param name="Reason">
/// For <see cref="NetraConnectionState.Disconnected"/> and <see cref="NetraConnectionState.Reconnecting"/>:
/// the message of the error that ended the connection (for a reconnect after a clean close by the server, a message
/// saying so), or null for a clean close by this side (disposal).
/// </param>
public sealed record NetraStateChange(NetraConnectionState State, string? Reason);
