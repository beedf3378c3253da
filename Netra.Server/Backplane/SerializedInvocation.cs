using Microsoft.AspNetCore.SignalR;
using Netra.Contracts.Realtime;

namespace Netra.Server.Backplane;

/// <summary>
/// An invocation ready for this node's connections: serialized (lazily, once per hub protocol), the
/// connections to skip, and the channel seq it carries (0 when it is not a durable event).
/// </summary>
internal sealed record SerializedInvocation(SerializedHubMessage Message, IReadOnlyList<string> ExcludedConnectionIds, long Seq)
{
    /// <summary>The seq of a send whose one argument is a durable event (<see cref="ISequencedEvent"/>); else 0.</summary>
    public static long SeqOf(object?[] args) => args is [ISequencedEvent sequenced] ? sequenced.Seq : 0;

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
