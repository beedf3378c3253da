namespace Netra.Server.Protection;

/// <summary>Counts open hub connections for the connection limits, per node and per user.</summary>
internal interface IConnectionCounter
{
    /// <summary>Counts a new connection unless a limit is reached; returns the refusal reason, or null when counted.</summary>
    ValueTask<string?> TryAddAsync(string userId, string connectionId, int maxPerUser, int maxPerNode, CancellationToken cancellationToken);

    ValueTask RemoveAsync(string userId, string connectionId);
}
