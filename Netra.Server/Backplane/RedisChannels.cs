namespace Netra.Server.Backplane;

/// <summary>
/// Builds every Redis channel name the backplane uses, all under <c>{prefix}:{hub}</c> so that
/// several apps and several hubs can share one Redis.
/// </summary>
internal sealed class RedisChannels(string prefix, string hubName)
{
    private readonly string root = $"{prefix}:{hubName}";

    /// <summary>Every connection of the hub, on every node.</summary>
    public string All => $"{root}:all";

    /// <summary>Group commands (add / remove a connection that may live on another node).</summary>
    public string GroupManagement => $"{root}:internal:groups";

    public string Group(string groupName) => $"{root}:group:{groupName}";

    /// <summary>
    /// Sends to a user, on every node: each message names its user, and a node delivers it to that user's connections
    /// it holds. One channel rather than one per user, so that a connect or a disconnect costs no Redis round trip and
    /// a node keeps no subscription per user.
    /// </summary>
    public string Users => $"{root}:users";

    /// <summary>Sends to one connection that another node holds, on every node (the message names the connection).</summary>
    public string Connections => $"{root}:connections";

    /// <summary>Acknowledgements of group commands sent by the node named <paramref name="serverName"/>.</summary>
    public string Ack(string serverName) => $"{root}:internal:ack:{serverName}";
}
