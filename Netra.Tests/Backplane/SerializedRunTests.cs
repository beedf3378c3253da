using FluentAssertions;
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

    private static ChatMessage[] Messages(long firstSeq, int count) =>
        Enumerable.Range(0, count)
            .Select(i => new ChatMessage(100 + i, 1, firstSeq + i, 2, "ana", $"message {firstSeq + i}: ünïcode ✓", null, $"c-{i}", DateTimeOffset.UnixEpoch))
            .ToArray();
}
