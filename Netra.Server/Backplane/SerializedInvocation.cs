using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Netra.Contracts.Realtime;

namespace Netra.Server.Backplane;

/// <summary>
/// An invocation ready for this node's connections: serialized (lazily, once per hub protocol), the
/// connections to skip, and the channel seq it carries (0 when it is not a durable event).
/// </summary>
/// <remarks>
/// A run of durable events of one channel with consecutive seqs travels as one (<see cref="Run"/>):
/// <see cref="Message"/> holds their records back to back, so that a connection takes the whole run in
/// one write, one flush and one WebSocket message instead of one each; <see cref="Parts"/> holds the
/// records one by one, for a connection whose cursor must take them singly (it is catching up, or some
/// of them went out already). SignalR's protocols read any number of records from one transport message.
/// </remarks>
internal sealed record SerializedInvocation(SerializedHubMessage Message, IReadOnlyList<string> ExcludedConnectionIds, long Seq, IReadOnlyList<SerializedHubMessage>? Parts = null)
{
    /// <summary>The seq of the run's last event (<see cref="Seq"/> for a single invocation).</summary>
    public long LastSeq => Parts is null ? Seq : Seq + Parts.Count - 1;

    /// <summary>One invocation, serialized lazily per protocol.</summary>
    public static SerializedInvocation Of(string methodName, object?[] args, IReadOnlyList<string>? excludedConnectionIds) =>
        new(new SerializedHubMessage(new InvocationMessage(methodName, args)), excludedConnectionIds ?? [], SeqOf(args));

    /// <summary>
    /// <paramref name="events"/> (consecutive seqs, ascending), each sent as <paramref name="methodName"/>, as one
    /// invocation whose message is their records back to back for each of <paramref name="protocols"/>.
    /// </summary>
    public static SerializedInvocation Run(string methodName, IReadOnlyList<ISequencedEvent> events, IReadOnlyList<IHubProtocol> protocols)
    {
        ArgumentOutOfRangeException.ThrowIfZero(events.Count);
        for (var i = 1; i < events.Count; i++)
        {
            if (events[i].Seq != events[0].Seq + i)
            {
                throw new ArgumentException($"A run needs consecutive seqs; seq {events[i].Seq} follows {events[i - 1].Seq}.", nameof(events));
            }
        }

        if (events.Count == 1)
        {
            return Of(methodName, [events[0]], null);
        }

        var parts = new SerializedHubMessage[events.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = new SerializedHubMessage(new InvocationMessage(methodName, [events[i]]));
        }

        var joined = new List<SerializedMessage>(protocols.Count);
        foreach (var protocol in protocols)
        {
            var length = 0;
            foreach (var part in parts)
            {
                length += part.GetSerializedMessage(protocol).Length;
            }

            var bytes = new byte[length];
            var offset = 0;
            foreach (var part in parts)
            {
                var record = part.GetSerializedMessage(protocol).Span;
                record.CopyTo(bytes.AsSpan(offset));
                offset += record.Length;
            }

            joined.Add(new SerializedMessage(protocol.Name, bytes));
        }

        return new SerializedInvocation(new SerializedHubMessage(joined), [], events[0].Seq, parts);
    }

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
