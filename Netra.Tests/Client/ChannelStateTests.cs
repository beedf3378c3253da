using FluentAssertions;
using Netra.Client.Internal;
using Xunit;

namespace Netra.Tests.Client;

/// <summary>
/// The client's per-channel order keeping (<see cref="ChannelState"/>) around a (re-)subscribe that never answers or
/// fails: what it holds stays bounded, and a failure ends the hold and asks for a re-subscribe.
/// </summary>
public sealed class ChannelStateTests
{
    [Fact]
    public void LiveMessagesHeldDuringAResumeStayBoundedAndAFailedResumeDeliversTheContiguousOnesAndAsksForARepair()
    {
        var channel = new ChannelState("chat:1", sequenced: true, sinceSeq: 1);
        var attempt = channel.BeginResume();
        var delivered = new List<long>();

        for (var seq = 2L; seq <= ChannelState.MaxHeld + 501; seq++)
        {
            var live = seq;
            channel.OnLive(live, () => delivered.Add(live)).Should().BeNull("no repair is scheduled while a subscribe is in flight");
        }

        channel.HeldCount.Should().Be(ChannelState.MaxHeld);
        delivered.Should().BeEmpty();

        channel.FailResume(attempt).Should().BeTrue();
        delivered.Should().Equal(Enumerable.Range(2, ChannelState.MaxHeld).Select(seq => (long)seq));
        channel.HeldCount.Should().Be(0);
        channel.ResumeAfter.Should().Be(ChannelState.MaxHeld + 1);
        channel.OnLive(ChannelState.MaxHeld + 2, () => delivered.Add(ChannelState.MaxHeld + 2)).Should().BeNull();
        delivered.Should().HaveCount(ChannelState.MaxHeld + 1, "after a failed resume the next seq is delivered at once");

        channel.TryBeginRepair(gap: null, out var repair).Should().BeTrue("the dropped messages are fetched by a re-subscribe");
        channel.TryBeginRepair(gap: null, out _).Should().BeFalse("one re-subscribe at a time");
        var replayed = Enumerable.Range(ChannelState.MaxHeld + 3, 499).Select(seq => ((long)seq, (Action)(() => delivered.Add(seq)))).ToList();
        channel.CompleteResume(repair, replayed, ChannelState.MaxHeld + 501, out _, out var gap).Should().BeTrue();
        gap.Should().BeNull();
        delivered.Should().Equal(Enumerable.Range(2, ChannelState.MaxHeld + 500).Select(seq => (long)seq));
    }

    [Fact]
    public void AFailedGapRepairEndsTheHoldSoThatTheGapCanBeRepairedAgain()
    {
        var channel = new ChannelState("chat:1", sequenced: true, sinceSeq: null);
        var first = channel.BeginResume();
        channel.CompleteResume(first, [], serverLastSeq: 1, out _, out _).Should().BeTrue();
        var delivered = new List<long>();

        var gap = channel.OnLive(3, () => delivered.Add(3));
        gap.Should().NotBeNull();
        channel.TryBeginRepair(gap, out var repair).Should().BeTrue();
        channel.FailResume(repair).Should().BeTrue();

        channel.OnLive(2, () => delivered.Add(2)).Should().BeNull();
        delivered.Should().Equal(2, 3);
        channel.TryBeginRepair(gap: null, out var retry).Should().BeTrue("the failed repair is retried");
        channel.CompleteResume(retry, [], serverLastSeq: 3, out _, out var open).Should().BeTrue();
        open.Should().BeNull();
        channel.TryBeginRepair(gap: null, out _).Should().BeFalse("nothing is left to repair");
    }

    [Fact]
    public void OnlyTheLatestSubscribesAnswerCounts()
    {
        var channel = new ChannelState("chat:1", sequenced: true, sinceSeq: 0);
        var superseded = channel.BeginResume();
        var latest = channel.BeginResume();
        var delivered = new List<long>();

        channel.CompleteResume(superseded, [(1, () => delivered.Add(1))], serverLastSeq: 1, out _, out _).Should().BeFalse();
        channel.FailResume(superseded).Should().BeFalse();
        channel.CompleteResume(latest, [(1, () => delivered.Add(1)), (2, () => delivered.Add(2))], serverLastSeq: 2, out _, out _).Should().BeTrue();

        delivered.Should().Equal(1, 2);
    }

    [Theory]
    [InlineData("FORBIDDEN", true)]
    [InlineData("NOT_FOUND", true)]
    [InlineData("VALIDATION_FAILED", true)]
    [InlineData("UNAUTHORIZED", true)]
    [InlineData("INTERNAL", false)]
    [InlineData("RATE_LIMITED", false)]
    [InlineData("CONNECTION_LIMIT", false)]
    [InlineData("SOMETHING_NEW", false)]
    public void OnlyRefusalsForGoodDropAChannel(string code, bool permanent) =>
        HubErrors.IsPermanentRefusal(code).Should().Be(permanent);

    [Theory]
    [InlineData("RATE_LIMITED: 60 messages per minute; retry in 12 s", 12)]
    [InlineData("RATE_LIMITED: 1000 subscriptions per connection at most; unsubscribe from one first.", null)]
    [InlineData("INTERNAL: The database (PostgreSQL) cannot be reached right now, so the request was not carried out. Retry in a few seconds.", null)]
    public void TheWaitARefusalAsksForIsRead(string message, int? seconds) =>
        HubErrors.RetryIn(message).Should().Be(seconds is { } s ? TimeSpan.FromSeconds(s) : null);
}
