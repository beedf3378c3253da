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
