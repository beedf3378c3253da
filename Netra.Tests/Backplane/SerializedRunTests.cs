using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using FluentAssertions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Netra.Contracts.Chat;
using Netra.Server.Backplane;
using Xunit;

namespace Netra.Tests.Backplane;

/// <summary>
/// A run of a chat's messages (<see cref="SerializedInvocation.Run"/>): one message with their records back to back, and
/// each record on its own for a connection that takes them singly, byte for byte what SignalR writes for each message
/// alone, here and on the other side of the backplane.
/// </summary>
public sealed class SerializedRunTests
{
    private static readonly JsonHubProtocol Json = new();

    [Fact]
    public void ARunIsItsRecordsBackToBackAndEachPartIsOneRecord()
    {
        var events = Messages(7, 3);
        var run = SerializedInvocation.Run("NewMessage", events, [Json]);

        var records = events.Select(e => Json.GetMessageBytes(new InvocationMessage("NewMessage", [e])).ToArray()).ToArray();
        run.Message.GetSerializedMessage(Json).ToArray().Should().Equal(records.SelectMany(r => r));
        run.Parts.Should().HaveCount(3);
        for (var i = 0; i < records.Length; i++)
        {
            run.Parts![i].GetSerializedMessage(Json).ToArray().Should().Equal(records[i]);
        }

        (run.Seq, run.LastSeq).Should().Be((7, 9));
    }

    [Fact]
    public void ARunCrossesTheBackplaneWithItsParts()
    {
        var run = SerializedInvocation.Run("NewMessage", Messages(1, 4), [Json]);

        var received = BackplaneMessages.ReadInvocation(BackplaneMessages.WriteInvocation("node-a", run, [Json]), "node-b");

        received.Should().NotBeNull();
        received!.Message.GetSerializedMessage(Json).ToArray().Should().Equal(run.Message.GetSerializedMessage(Json).ToArray());
        received.Parts!.Select(p => p.GetSerializedMessage(Json).ToArray())
            .Should().BeEquivalentTo(run.Parts!.Select(p => p.GetSerializedMessage(Json).ToArray()), options => options.WithStrictOrdering());
        BackplaneMessages.ReadInvocation(BackplaneMessages.WriteInvocation("node-a", run, [Json]), "node-a")
            .Should().BeNull("a node skips its own runs when Redis echoes them back");
    }

    [Fact]
    public void ARunOfOneIsAPlainInvocationAndSeqsWithAGapAreRefused()
    {
        SerializedInvocation.Run("NewMessage", Messages(5, 1), [Json]).Parts.Should().BeNull();

        var gap = new[] { Messages(5, 1)[0], Messages(7, 1)[0] };
        FluentActions.Invoking(() => SerializedInvocation.Run("NewMessage", gap, [Json]))
            .Should().Throw<ArgumentException>().WithMessage("*consecutive seqs*");
    }

    [Fact]
    public void RunsReadFromTheBackplaneOneAfterTheOtherJoinIntoOneRun()
    {
        // What a node behind on a group's channel does with the runs waiting there: seqs 3-4, 5 and 6-8.
        var sent = new[] { Messages(3, 2), Messages(5, 1), Messages(6, 3) };
        var received = sent.Select(events => Received(SerializedInvocation.Run("NewMessage", events, [Json]))).ToArray();
        received[0].IsFollowedBy(received[1]).Should().BeTrue();
        received[1].IsFollowedBy(received[2]).Should().BeTrue();

        var joined = SerializedInvocation.Join(received);

        var records = sent.SelectMany(events => events).Select(e => Json.GetMessageBytes(new InvocationMessage("NewMessage", [e])).ToArray()).ToArray();
        joined.Message.GetSerializedMessage(Json).ToArray().Should().Equal(records.SelectMany(r => r));
        joined.Parts!.Select(p => p.GetSerializedMessage(Json).ToArray()).Should().BeEquivalentTo(records, options => options.WithStrictOrdering());
        (joined.Seq, joined.LastSeq).Should().Be((3, 8));
        joined.ExcludedConnectionIds.Should().BeEmpty();
        joined.IsFollowedBy(Received(SerializedInvocation.Run("NewMessage", Messages(9, 1), [Json]))).Should().BeTrue("a joined run joins again");
        SerializedInvocation.Join([received[1]]).Should().BeSameAs(received[1]);
    }

    [Fact]
    public void OnlyConsecutiveDurableEventsForEveryConnectionWithTheSameProtocolsJoin()
    {
        var first = Received(SerializedInvocation.Run("NewMessage", Messages(3, 2), [Json]));

        first.IsFollowedBy(Received(SerializedInvocation.Run("NewMessage", Messages(6, 1), [Json]))).Should().BeFalse("seq 5 is missing");
        first.IsFollowedBy(Received(SerializedInvocation.Run("NewMessage", Messages(4, 2), [Json]))).Should().BeFalse("seq 4 is in both");
        first.IsFollowedBy(SerializedInvocation.Run("NewMessage", Messages(5, 1), [Json])).Should().BeFalse("made on this node: no bytes from the wire");
        first.IsFollowedBy(Received(SerializedInvocation.Run("NewMessage", Messages(5, 1), [Json]) with { ExcludedConnectionIds = ["c1"] }))
            .Should().BeFalse("it is not for every connection");
        first.IsFollowedBy(Received(SerializedInvocation.Run("NewMessage", Messages(5, 1), [Json]), [Json, new OtherProtocol()]))
            .Should().BeFalse("the other node serialized it for other protocols");
        Received(SerializedInvocation.Of("Notify", ["not sequenced"], null)).IsFollowedBy(first).Should().BeFalse("seq 0 is no durable event");

        FluentActions.Invoking(() => SerializedInvocation.Join([first, Received(SerializedInvocation.Run("NewMessage", Messages(6, 1), [Json]))]))
            .Should().Throw<ArgumentException>().WithMessage("*does not follow*");
    }

    private static SerializedInvocation Received(SerializedInvocation sent, IReadOnlyList<IHubProtocol>? protocols = null) =>
        BackplaneMessages.ReadInvocation(BackplaneMessages.WriteInvocation("node-a", sent, protocols ?? [Json]), "node-b")!;

    private static ChatMessage[] Messages(long firstSeq, int count) =>
        Enumerable.Range(0, count)
            .Select(i => new ChatMessage(100 + i, 1, firstSeq + i, 2, "ana", $"message {firstSeq + i}: ünïcode ✓", null, $"c-{i}", DateTimeOffset.UnixEpoch))
            .ToArray();

    /// <summary>JSON under another name: a second protocol for the wire to carry.</summary>
    private sealed class OtherProtocol : IHubProtocol
    {
        public string Name => "json-other";

        public int Version => Json.Version;

        public TransferFormat TransferFormat => Json.TransferFormat;

        public bool IsVersionSupported(int version) => Json.IsVersionSupported(version);

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => Json.GetMessageBytes(message);

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message) =>
            Json.TryParseMessage(ref input, binder, out message);

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => Json.WriteMessage(message, output);
    }
}
