using FluentAssertions;
using Netra.Bench;
using Netra.Tests.Backplane;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Bench;

/// <summary>The bench's fan-out over two Netra nodes through a real Redis, as its scale-out scenario runs it, in smoke sizes.</summary>
public sealed class ScaleOutBenchSmokeTests(ScaleOutBenchSmokeTests.BenchNodes nodes) : IClassFixture<ScaleOutBenchSmokeTests.BenchNodes>
{
    [Fact]
    public async Task FanOutOverTwoNodesThroughRedisSplitsLatencyBySubscribersNode()
    {
        var target = new Target
        {
            System = Target.Netra,
            Nodes = [.. nodes.Nodes.Select(node => node.BaseAddress)],
            SigningKey = NetraTestServer.SigningKey,
            Origin = BenchSmokeTests.Origin,
            Postgres = nodes.Nodes[0].PostgresConnectionString,
        };

        using var timeout = new CancellationTokenSource(BenchSmokeTests.Budget);
        var options = BenchOptions.Smoke();
        options.GcSettleMax = TimeSpan.FromSeconds(2); // as bench/run.sh's scale-out runs: connects and closes until each node's GC promoted the subscribers
        var runner = new BenchRunner(target, options);
        await runner.RunAsync(["fanout"], timeout.Token);

        var results = runner.Results;
        results.Should().ContainSingle(m => m.Metric == "fanout.gc_settle_s" && m.Value > 0, "the generator read both nodes' GC and churned connections on them before the windows");
        foreach (var node in new[] { "sender_node", "other_nodes" })
        {
            results.Should().Contain(m => m.Metric == $"fanout.w1.p99.{node}" && m.Value > 0, "subscribers on both nodes got messages");
            results.Should().Contain(m => m.Metric == $"fanout.w1.per_message.{node}" && m.Value > 0, "each node's WebSocket messages are counted apart");
            results.Should().ContainSingle(m => m.Metric == $"fanout.w1.gc_pause_ms.{node}" && m.Value >= 0, "each node's GC pauses in the window are read from it");
        }

        results.Should().ContainSingle(m => m.Metric == "fanout.w1.hop.p99", "messages that reached both nodes are followed one by one")
            .Which.Value.Should().BeGreaterThanOrEqualTo(results.Single(m => m.Metric == "fanout.w1.hop.p50").Value);
        results.Should().ContainSingle(m => m.Metric == "fanout.w1.spread.p99.sender_node" && m.Value >= 0);
        results.Should().ContainSingle(m => m.Metric == "fanout.w1.spread.p99.other_nodes" && m.Value >= 0);
        var backplane = results.Single(m => m.Metric == "fanout.w1.p99.backplane").Value;
        backplane.Should().BeApproximately(
            results.Single(m => m.Metric == "fanout.w1.p99.other_nodes").Value - results.Single(m => m.Metric == "fanout.w1.p99.sender_node").Value, 0.002);
    }

    [Fact]
    public async Task APairOfSetupsTakesItsWindowsInTurnEachFollowingAChatOfItsOwn()
    {
        using var timeout = new CancellationTokenSource(BenchSmokeTests.Budget);
        var options = BenchOptions.Smoke();
        options.Prewarm = TimeSpan.Zero;
        using var log = new StringWriter();
        var (one, two) = (new BenchRunner(Setup(1, 0), options, "netra-1node", log), new BenchRunner(Setup(2, 1), options, "netra-2nodes", log));
        await one.RunPairedFanoutAsync(two, timeout.Token);

        var rates = log.ToString().Split('\n').Where(line => line.Contains(".rate rep", StringComparison.Ordinal)).Select(line => line.Trim().Split(' ')[0..2]);
        rates.Select(words => string.Join(' ', words)).Should().Equal(
            ["netra-1node fanout.w1.rate", "netra-2nodes fanout.w1.rate", "netra-2nodes fanout.w4.rate", "netra-1node fanout.w4.rate"],
            "W=1 for one setup then the other, the next window in the reverse order");
        foreach (var runner in new[] { one, two })
        {
            runner.Results.Should().Contain(m => m.Metric == "fanout.w1.rate" && m.Value > 0, $"{runner.System}'s subscribers got its messages");
            runner.Results.Should().Contain(m => m.Metric == "fanout.w4.rate" && m.Value > 0);
            runner.Results.Should().OnlyContain(m => m.System == runner.System);
        }

        two.Results.Should().Contain(m => m.Metric == "fanout.w1.p99.other_nodes" && m.Value > 0, "the 2-node setup's subscribers on the other node got its messages through Redis");
        one.Results.Should().NotContain(m => m.Metric.EndsWith(".other_nodes", StringComparison.Ordinal), "the 1-node setup has no other node");
    }

    [Fact]
    public async Task APairTakesEachWindowInSlicesTurningTheOrderRoundFromSliceToSlice()
    {
        using var timeout = new CancellationTokenSource(BenchSmokeTests.Budget);
        var options = BenchOptions.Smoke();
        (options.Prewarm, options.Slices) = (TimeSpan.Zero, 2);
        using var log = new StringWriter();
        var (one, two) = (new BenchRunner(Setup(1, 0), options, "netra-1node", log), new BenchRunner(Setup(2, 1), options, "netra-2nodes", log));
        await one.RunPairedFanoutAsync(two, timeout.Token);

        var lines = log.ToString().Split('\n');
        lines.Where(line => line.Contains(" slice ", StringComparison.Ordinal)).Select(line => line.Trim()).Should().Equal(
            [
                "netra-1node fanout W=1 slice 1 of 2", "netra-2nodes fanout W=1 slice 1 of 2",
                "netra-2nodes fanout W=1 slice 2 of 2", "netra-1node fanout W=1 slice 2 of 2",
                "netra-2nodes fanout W=4 slice 1 of 2", "netra-1node fanout W=4 slice 1 of 2",
                "netra-1node fanout W=4 slice 2 of 2", "netra-2nodes fanout W=4 slice 2 of 2",
            ],
            "A B, B A within a window, and the next window starts with the other setup");
        lines.Where(line => line.Contains(".rate rep", StringComparison.Ordinal)).Select(line => string.Join(' ', line.Trim().Split(' ')[0..2])).Should().Equal(
            ["netra-1node fanout.w1.rate", "netra-2nodes fanout.w1.rate", "netra-2nodes fanout.w4.rate", "netra-1node fanout.w4.rate"],
            "each setup's slices of a window make one window's figures");
        foreach (var runner in new[] { one, two })
        {
            runner.Results.Should().ContainSingle(m => m.Metric == "fanout.w1.rate" && m.Value > 0, $"{runner.System}'s subscribers got its messages in its slices");
            runner.Results.Should().ContainSingle(m => m.Metric == "fanout.w1.warmup_s")
                .Which.Value.Should().BeGreaterThanOrEqualTo(
                    (2 * options.Warmup.TotalSeconds) - 0.01, "each slice had its own warm-up, and the window reports them together (to within the timer's and the figure's rounding)");
        }

        two.Results.Should().Contain(m => m.Metric == "fanout.w1.p99.other_nodes" && m.Value > 0);
    }

    private Target Setup(int nodeCount, int fanoutChat) => new()
    {
        System = Target.Netra,
        Nodes = [.. nodes.Nodes.Take(nodeCount).Select(node => node.BaseAddress)],
        SigningKey = NetraTestServer.SigningKey,
        Origin = BenchSmokeTests.Origin,
        Postgres = nodes.Nodes[0].PostgresConnectionString,
        FanoutChat = fanoutChat,
    };

    /// <summary>
    /// Two nodes that allow the generator's Origin, let its one sender send far more than 60 messages a minute and take the GC
    /// settle's connects and closes.
    /// </summary>
    public sealed class BenchNodes : ScaleoutFixture
    {
        public override int NodeCount => 2;

        protected override void Configure(IDictionary<string, string?> settings)
        {
            settings["Netra:Origins:Allowed:0"] = BenchSmokeTests.Origin;
            settings["Netra:Limits:MessagesPerMinute"] = "1000000";
            settings["Netra:Limits:ConnectAttemptsPerMinutePerIp"] = "1000000"; // the GC settle's connects and closes
        }
    }
}
