using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Backplane;

/// <summary>An invocation received from Redis: already serialized for every hub protocol, plus the connections to skip.</summary>
internal sealed record RedisInvocation(SerializedHubMessage Message, IReadOnlyList<string> ExcludedConnectionIds)
{
    public bool Excludes(string connectionId)
    {
        foreach (var excluded in ExcludedConnectionIds)
        {
            if (string.Equals(excluded, connectionId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
