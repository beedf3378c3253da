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

    public string User(string userId) => $"{root}:user:{userId}";

    public string Connection(string connectionId) => $"{root}:connection:{connectionId}";

    /// <summary>Acknowledgements of group commands sent by the node named <paramref name="serverName"/>.</summary>
    public string Ack(string serverName) => $"{root}:internal:ack:{serverName}";
}
