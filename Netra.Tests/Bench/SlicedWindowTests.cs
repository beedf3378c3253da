using System.Diagnostics;
using FluentAssertions;
using Netra.Bench;
using Xunit;

namespace Netra.Tests.Bench;

/// <summary>
/// A bench window taken in slices (<see cref="BenchOptions.Slices"/>), between which the other target of a pair is
/// measured: the meter counts on across its slices, and the slices' CPU figures make one window's.
/// </summary>
public sealed class SlicedWindowTests
{
    [Fact]
    public void AResumedMeterCountsOnAndLeavesOutWhatCameBetweenItsSlices()
    {
        var received = new ReceivedMessages();
        var meter = new DeliveryMeter(received, byNode: true);

        meter.Open();
        Deliver(meter, received, node: 0);
        meter.Close();
        Deliver(meter, received, node: 1); // while the other target's slice is measured
        meter.Resume();
        Deliver(meter, received, node: 1);
        Deliver(meter, received, node: 1);
        meter.Close();

        meter.Deliveries.Should().Be(3, "deliveries between the slices are not the window's");
        meter.Arrived.Should().Be(4, "every delivery of a bench payload counts towards draining");
        meter.Latency.Count.Should().Be(3);
        (meter.SenderNodeLatency.Count, meter.OtherNodesLatency.Count).Should().Be((1, 2));
        meter.SocketMessages.Should().Be(3, "the WebSocket messages of both slices, not of the time between them");
        meter.SenderNodeSocketMessages.Should().Be(1);

        meter.Open();
        Deliver(meter, received, node: 1);
        meter.Close();
        (meter.Deliveries, meter.SocketMessages, meter.SenderNodeSocketMessages, meter.Latency.Count).Should().Be((1, 1, 0, 1), "a new window starts from nothing");
    }

    [Fact]
    public void SlicesMakeOneWindowWeighedByTheirLengths()
    {
        var combined = WindowResult.Combine(
        [
            new WindowResult(1, 80, 10, 50, 0, 1_000, 0.5, [(2, 1), (0, 0)]) { PostgresSessions = 0 },
            new WindowResult(3, 100, 6, 90, 1, 1_400, 0.75, [(4, 2), (1.5, 1)]) { PostgresSessions = 40 },
        ]);

        combined.Seconds.Should().Be(4);
        combined.ServerCpu.Should().Be(95);
        combined.PostgresCpu.Should().Be(7);
        combined.GeneratorCpu.Should().Be(80);
        combined.CompilerCpu.Should().Be(0.75);
        combined.CoreProbe.Should().Be(1_300);
        combined.WarmupSeconds.Should().Be(1.25, "the load that ran before each slice, added up");
        combined.Gc.Should().Equal((6, 3), (1.5, 1));
        combined.PostgresSessions.Should().Be(40, "sessions opened and closed in either slice, added up");
    }

    [Fact]
    public void AFigureASliceLacksIsLackingInTheWindow()
    {
        var combined = WindowResult.Combine(
        [
            new WindowResult(2, 90, -1, 50, -1, 1_000, 0.5, [(1, 1)]),
            new WindowResult(2, 90, 5, 50, 0, -1, 0.5, []) { PostgresSessions = 3 },
        ]);

        (combined.PostgresCpu, combined.CompilerCpu, combined.CoreProbe).Should().Be((-1, -1, -1), "a mean over part of the window would pass for the whole's");
        combined.ServerCpu.Should().Be(90);
        combined.Gc.Should().BeEmpty("one slice could not read the nodes' GC");
        combined.PostgresSessions.Should().Be(-1, "one slice did not know PostgreSQL's pid");

        var single = new WindowResult(2, 90, 5, 50, 0, 1_000, 0.5, [(1, 1)]);
        WindowResult.Combine([single]).Should().BeSameAs(single);
        FluentActions.Invoking(() => WindowResult.Combine([])).Should().Throw<ArgumentOutOfRangeException>();
    }

    private static void Deliver(DeliveryMeter meter, ReceivedMessages received, int node)
    {
        received.Received(fromFirstNode: node == 0);
        meter.Delivered(Stopwatch.GetTimestamp(), node);
    }
}
