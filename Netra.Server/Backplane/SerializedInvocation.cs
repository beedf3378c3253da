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
/// An invocation read from the backplane keeps the bytes it came with, one per protocol the sending node
/// serialized it for (<see cref="Wire"/>), so that runs another node published one after the other can be
/// joined into one (<see cref="Join"/>).
/// </remarks>
internal sealed record SerializedInvocation(
    SerializedHubMessage Message, IReadOnlyList<string> ExcludedConnectionIds, long Seq, IReadOnlyList<SerializedHubMessage>? Parts = null, IReadOnlyList<SerializedMessage>? Wire = null)
{
    /// <summary>Where a run's records are written before they are copied once into an array of their exact size; one per thread, reused.</summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? runBuffer;

    /// <summary>
    /// Bytes of runs joined into one at most (each protocol's), so that a node catching up writes frames the size of a
    /// few runs rather than of its whole backlog; a run already larger goes alone.
    /// </summary>
    public const int MaxJoinedBytes = 64 * 1024;

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

    /// <summary>The largest of the bytes it came with from the backplane, one per protocol (0 for one made on this node).</summary>
    public int WireLength
    {
        get
        {
            var length = 0;
            foreach (var serialized in Wire ?? [])
            {
                length = Math.Max(length, serialized.Serialized.Length);
            }

            return length;
        }
    }

    /// <summary>
    /// Whether <paramref name="next"/> can be joined after this one: both read from the backplane with the same protocols,
    /// both durable events of one channel (the caller's) for every connection, and <paramref name="next"/>'s seqs
    /// right after this one's.
    /// </summary>
    public bool IsFollowedBy(SerializedInvocation next)
    {
        if (Seq <= 0 || next.Seq != LastSeq + 1 || ExcludedConnectionIds.Count > 0 || next.ExcludedConnectionIds.Count > 0
            || Wire is not { } wire || next.Wire is not { } nextWire || wire.Count != nextWire.Count)
        {
            return false;
        }

        for (var i = 0; i < wire.Count; i++)
        {
            if (!string.Equals(wire[i].ProtocolName, nextWire[i].ProtocolName, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <paramref name="runs"/> (each <see cref="IsFollowedBy"/> the one before) as one run: their records back to back
    /// for each protocol, their parts one after the other. One run is returned as it is.
    /// </summary>
    public static SerializedInvocation Join(IReadOnlyList<SerializedInvocation> runs)
    {
        ArgumentOutOfRangeException.ThrowIfZero(runs.Count);
        if (runs.Count == 1)
        {
            return runs[0];
        }

        var parts = new List<SerializedHubMessage>();
        for (var r = 0; r < runs.Count; r++)
        {
            if (r > 0 && !runs[r - 1].IsFollowedBy(runs[r]))
            {
                throw new ArgumentException($"Run {r} (seq {runs[r].Seq}) does not follow the run before it (seqs {runs[r - 1].Seq} to {runs[r - 1].LastSeq}).", nameof(runs));
            }

            if (runs[r].Parts is { } runParts)
            {
                parts.AddRange(runParts);
            }
            else
            {
                parts.Add(runs[r].Message);
            }
        }

        var protocolCount = runs[0].Wire!.Count;
        var joined = new SerializedMessage[protocolCount];
        for (var p = 0; p < protocolCount; p++)
        {
            var length = 0;
            foreach (var run in runs)
            {
                length += run.Wire![p].Serialized.Length;
            }

            var bytes = new byte[length];
            var offset = 0;
            foreach (var run in runs)
            {
                var serialized = run.Wire![p].Serialized;
                serialized.CopyTo(bytes.AsMemory(offset));
                offset += serialized.Length;
            }

            joined[p] = new SerializedMessage(runs[0].Wire![p].ProtocolName, bytes);
        }

        return new SerializedInvocation(new SerializedHubMessage(joined), [], runs[0].Seq, parts, joined);
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
