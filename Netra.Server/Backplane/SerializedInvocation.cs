using System.Buffers;
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
    /// <summary>Where a run's records are written before they are copied once into an array of their exact size; one per thread, reused.</summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? runBuffer;

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

        // Each protocol writes the records once, back to back: the run's message is one array of them and each part a
        // slice of it, rather than a record array per part and a copy of them all for the run.
        var invocations = new InvocationMessage[events.Count];
        var partBytes = new List<SerializedMessage>[events.Count];
        for (var i = 0; i < invocations.Length; i++)
        {
            invocations[i] = new InvocationMessage(methodName, [events[i]]);
            partBytes[i] = new List<SerializedMessage>(protocols.Count);
        }

        var joined = new List<SerializedMessage>(protocols.Count);
        var ends = new int[invocations.Length];
        foreach (var protocol in protocols)
        {
            var buffer = runBuffer ??= new ArrayBufferWriter<byte>();
            buffer.ResetWrittenCount();
            for (var i = 0; i < invocations.Length; i++)
            {
                protocol.WriteMessage(invocations[i], buffer);
                ends[i] = buffer.WrittenCount;
            }

            ReadOnlyMemory<byte> bytes = buffer.WrittenSpan.ToArray();
            for (var i = 0; i < invocations.Length; i++)
            {
                var start = i == 0 ? 0 : ends[i - 1];
                partBytes[i].Add(new SerializedMessage(protocol.Name, bytes[start..ends[i]]));
            }

            joined.Add(new SerializedMessage(protocol.Name, bytes));
        }

        var parts = Array.ConvertAll(partBytes, part => new SerializedHubMessage(part));
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
