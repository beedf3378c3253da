using System.Diagnostics;
using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Netra.Bench;
using Netra.Bench.StockSignalR;
using Netra.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Netra.Tests.Bench;

/// <summary>
/// The benchmark's smoke mode (tiny sizes, one repetition, under a second a scenario) against
/// Netra, the stock SignalR peer and the Socket.IO peer, so that bench/ does not rot. It checks
/// that every scenario runs and reports its figures; it asserts no timing.
/// </summary>
public sealed partial class BenchSmokeTests(ITestOutputHelper output)
{
    internal const string Origin = "http://bench.netra.test";
    internal static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EveryScenarioRunsAgainstNetraWithItsProtectionsOn()
    {
        var postgres = await PostgresServer.SharedAsync();
        var database = await postgres.CreateDatabaseAsync();
        await using var server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?>
        {
            ["Netra:Origins:Allowed:0"] = Origin,
            ["Netra:Limits:ConnectAttemptsPerMinutePerIp"] = "1000000",
            ["Netra:Limits:CallsPerMinute"] = "1000000",
            ["Netra:Limits:MessagesPerMinute"] = "1000000",
        });
        var target = new Target
        {
            System = Target.Netra,
            Nodes = [server.BaseAddress],
            SigningKey = NetraTestServer.SigningKey,
            Origin = Origin,
            Postgres = database,
        };

        var results = await RunAsync(target);

        results.Should().Contain(m => m.Metric == "chat.saturation" && m.Value > 0);
        results.Should().Contain(m => m.Metric == "chat.pg_insert_rate" && m.Value > 0);
        foreach (var window in new[] { "connect", "fanout.w1", "rpc", "chat.saturation", "chat.half" })
        {
            // Netra's own account of its GC (GET /api/admin/stats, read with an admin token the generator signs).
            results.Should().ContainSingle(m => m.Metric == $"{window}.gc_pause_ms" && m.Value >= 0, "every window of Netra reads its GC pauses");
            results.Should().ContainSingle(m => m.Metric == $"{window}.gcs" && m.Value >= 0);
        }

        results.Should().NotContain(m => m.Metric.Contains(".gc_pause_ms.", StringComparison.Ordinal), "one node has no sender's and other node apart");
        ShouldHaveTheCommonFigures(results);
    }

    [Fact]
    public async Task EveryScenarioRunsAgainstTheStockSignalRPeer()
    {
        await using var peer = StockPeer.Create(0);
        await peer.StartAsync();
        var address = peer.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var results = await RunAsync(new Target { System = Target.Stock, Nodes = [new Uri(address)], Origin = Origin });

        ShouldHaveTheCommonFigures(results);
        results.Should().NotContain(m => m.Metric.Contains("gc", StringComparison.Ordinal), "the stock peer publishes no GC figures");
        await peer.StopAsync();
    }

    [Fact]
    public async Task EveryScenarioRunsAgainstTheSocketIoPeer()
    {
        var folder = Path.Combine(Repository.Root, "bench", "peers", "socketio");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "socket.io")))
        {
            (await RunToEndAsync("npm", ["ci", "--no-audit", "--no-fund"], folder, TimeSpan.FromMinutes(3))).Should().Be(0, "npm ci should install the pinned socket.io");
        }

        using var node = Process.Start(new ProcessStartInfo("node", ["server.js", "0"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            var line = await node.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var match = ListeningLine().Match(line ?? "");
            match.Success.Should().BeTrue("the peer prints where it listens, got: {0}", line);

            // A process of its own, so idle reads its RSS (the .NET targets here run in the test's process).
            var results = await RunAsync(new Target { System = Target.SocketIo, Nodes = [new Uri(match.Groups[1].Value)], ServerPids = [node.Id] });

            ShouldHaveTheCommonFigures(results);
            foreach (var metric in new[] { "idle.kb_per_conn.10", "idle.kb_per_conn.20", "idle.kb_per_conn.10_to_20", "idle.rss_mb.20" })
            {
                results.Should().ContainSingle(m => m.Metric == metric, "idle reads the peer's RSS at each size and between them");
            }

            results.Single(m => m.Metric == "idle.rss_mb.20").Value.Should().BeGreaterThan(0);
        }
        finally
        {
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public void TheReportHasOneRowPerMetricWithMediansAndRatios()
    {
        var measurements = new List<Measurement>
        {
            new(Target.Netra, "rpc.rate", "calls/s", 90, 1),
            new(Target.Netra, "rpc.rate", "calls/s", 110, 2),
            new(Target.Netra, "rpc.rate", "calls/s", 100, 3),
            new(Target.Stock, "rpc.rate", "calls/s", 50, 1),
            new(Target.SocketIo, "rpc.rate", "calls/s", 200, 1),
            new(Target.Netra, "idle.kb_per_conn.5000_to_10000", "KiB", 27.5, 1),
            new(Target.Stock, "idle.kb_per_conn.5000_to_10000", "KiB", 22, 1),
            new(Target.Netra, "idle.kb_per_conn.10000", "KiB", 30, 1),
            new(Target.Netra, "fanout.w1.rate", "deliveries/s", 40, 1),
            new(Target.SocketIo, "fanout.w1.rate", "deliveries/s", 80, 1),
            new(Target.Netra, "fanout.w1.gen_cpu", "% of a core", 96, 1),
            new(Target.SocketIo, "fanout.w1.gen_cpu", "% of a core", 91, 1),
            new(Target.Stock, "fanout.w1.gen_cpu", "% of a core", 60, 1),
            new(Target.Netra, "rpc.gen_cpu", "% of a core", 89.9, 1),
        };
        var folder = Directory.CreateTempSubdirectory("netra-bench-report");
        try
        {
            var md = Path.Combine(folder.FullName, "latest.md");
            var json = Path.Combine(folder.FullName, "latest.json");

            Report.Write(measurements, [new("machine", "test")], md, json);

            var text = File.ReadAllText(md);
            text.Should().Contain("| rpc: 100 connections, Ping/echo one at a time | calls/s | 100 | 50.0 | 200 | 2.00x | 0.50x |");
            text.Should().Contain("| rpc: Netra / stock SignalR | 2.0 | >= 1.0 | yes |");
            text.Should().Contain("| idle: KiB per connection at 10,000 (Netra) | 30.0 | <= 15.0 | **no**, 15.0 over (2.00x the goal) |");
            text.Should().Contain("| fan-out W=1: Netra / Socket.IO | 0.5 | >= 1.0 | **no**, 0.5 short (50 % of the goal) |");
            text.Should().Contain("What bounds each missed target");
            text.Should().Contain("| idle: RSS growth per connection from 5,000 to 10,000 (without what does not grow with them) | KiB | 27.5 | 22.0 | - | 1.25x | - |");
            text.Should().Contain("- fan-out W=1 generator CPU: Netra 96.0 %, Socket.IO 91.0 %\n", "the systems whose generator was the limit there, and only those");
            text.Should().NotContain("- rpc generator CPU:", "under 90 % the server was the limit");
            text.Should().Contain("- machine: test");
            File.ReadAllText(json).Should().Contain("\"netraOverStock\": 2");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void TheReportSaysWhatTheRunMeasuredWith()
    {
        var options = new BenchOptions { IdleSettle = TimeSpan.FromSeconds(2.5), SettledJitCpu = 5, Prewarm = TimeSpan.FromSeconds(3), Windows = [1, 16] };

        var lines = options.Describe().ToList();

        lines.Should().Contain("connect: 3 windows of 1,000 connections, 32 at a time, in each round, the one of median rate reported, after connects and closes of 100 at a time until the server's JIT settled (as in \"warm-up\")");
        lines.Should().Contain("idle: the server's RSS read 2.5 s after the last of 5,000 and 10,000 connections opened");
        lines.Should().ContainMatch("windows: 2 s each; fan-out with 1,000 subscribers and 100-byte messages at W = 1, 16;*");
        lines.Should().ContainMatch("warm-up: * after 0.5 s of its own load * under 5 % of a core * (at most 60 s;* after 1 s of its offered rate; fan-out also 3 s of unmeasured load*");
        lines.Should().OnlyContain(line => line.IndexOf(':', StringComparison.Ordinal) > 0, "the report reads each as a key and a value");
    }

    [Fact]
    public void ScaleOutIsMeasuredAgainstTheKeptOneNodeAndShownRoundByRound()
    {
        var measurements = new List<Measurement>
        {
            new(Report.OneNode, "fanout.w16.rate", "deliveries/s", 200, 1),
            new(Report.OneNode, "fanout.w16.rate", "deliveries/s", 300, 2),
            new(Report.OneNode, "fanout.w16.rate", "deliveries/s", 280, 3),
            new(Report.TwoNodes, "fanout.w16.rate", "deliveries/s", 100, 1),
            new(Report.TwoNodes, "fanout.w16.rate", "deliveries/s", 270, 2),
            new(Report.TwoNodes, "fanout.w16.rate", "deliveries/s", 250, 3),
            new(Report.OneNode, "fanout.w1.p99", "ms", 40, 1),
            new(Report.TwoNodes, "fanout.w1.p99", "ms", 41, 1),
            new(Report.TwoNodes, "fanout.w1.p99.backplane", "ms", 3, 1),
            new(Report.OneNode, "fanout.w1.core_probe", "ns per pipe round trip", 1000, 1),
            new(Report.TwoNodes, "fanout.w1.core_probe", "ns per pipe round trip", 1250, 1),
            new(Report.TwoNodes, "fanout.w1.p99.backplane", "ms", 0.5, 2),
            new(Report.TwoNodes, "fanout.w1.p99.backplane", "ms", -1, 3),
            new(Report.TwoNodes, "fanout.w1.gc_pause_ms.sender_node", "ms", 0, 1),
            new(Report.TwoNodes, "fanout.w1.gc_pause_ms.other_nodes", "ms", 64.5, 1),
            new(Report.TwoNodes, "fanout.w1.hop.p99", "ms", 1.5, 1),
            new(Report.TwoNodes, "fanout.w1.spread.p99.sender_node", "ms", 4, 1),
            new(Report.TwoNodes, "fanout.w1.spread.p99.other_nodes", "ms", 6, 1),
            new(Report.TwoNodes, "fanout.w1.gc_pause_ms.sender_node", "ms", 0, 2),
            new(Report.TwoNodes, "fanout.w1.gc_pause_ms.other_nodes", "ms", 0, 2),
            new(Target.Netra, "fanout.w16.rate", "deliveries/s", 999, 1), // a fresh process each round: shown beside, not the reference
        };
        var folder = Directory.CreateTempSubdirectory("netra-bench-report");
        try
        {
            var md = Path.Combine(folder.FullName, "latest.md");
            Report.Write(measurements, [], md, Path.Combine(folder.FullName, "latest.json"));

            var text = File.ReadAllText(md);
            text.Should().Contain("| fan-out W=16: deliveries/s | deliveries/s | 280 | 250 | 0.89x | 200 / 300 / 280 | 100 / 270 / 250 | 999 |");
            text.Should().Contain("| scale-out W=16: 2 nodes / 1 node | 0.893 | >= 0.8 | yes |");
            text.Should().Contain("| scale-out: p99 the backplane adds at W=1 (ms, 2 nodes - 1 node) | 1.0 | <= 2.0 | yes |");
            text.Should().Contain("| fan-out W=1: p99 through Redis - p99 on the sender's node, same window | ms | - | 0.5 | - | - | 3.0 / 0.5 / -1.0 | - |");
            text.Should().Contain("| scale-out: p99 the backplane adds at W=1 (ms, other node - sender's node, same window) | 0.5 | <= 2.0 | yes |");
            text.Should().Contain("| fan-out W=1: GC pauses in the window, the other node | ms | - | 32.25 | - | - | 64.5 / 0.0 | - |");
            text.Should().Contain("- round 1: 3.0 ms; 2 nodes - 1 node 1.0 ms (core probe 1,000 ns in the 1 node's window, 1,250 ns in the 2 nodes'); " +
                "GC pauses 0.0 ms on the sender's node, 64.5 ms on the other node; p99 over messages: hop 1.5 ms, " +
                "first to last delivery 4.0 ms on the sender's node and 6.0 ms on the other\n");
            text.Should().Contain("- round 2: 0.5 ms; GC pauses 0.0 ms on the sender's node, 0.0 ms on the other node\n", "round 2 has no figures of its messages to show");
            text.Should().NotContain("- round 3:", "round 3 has no GC figures to show beside it");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private async Task<IReadOnlyList<Measurement>> RunAsync(Target target)
    {
        using var timeout = new CancellationTokenSource(Budget);
        using var log = new StringWriter();
        var runner = new BenchRunner(target, BenchOptions.Smoke(), log: log);
        try
        {
            await runner.RunAsync(BenchRunner.AllScenarios, timeout.Token);
        }
        finally
        {
            output.WriteLine(log.ToString());
        }

        return runner.Results;
    }

    private static void ShouldHaveTheCommonFigures(IReadOnlyList<Measurement> results)
    {
        foreach (var metric in new[] { "connect.rate", "fanout.w1.rate", "fanout.w4.rate", "rpc.rate" })
        {
            results.Should().Contain(m => m.Metric == metric && m.Value > 0, "the smoke run reports {0}", metric);
        }

        results.Should().OnlyContain(m => !double.IsNaN(m.Value) && !double.IsInfinity(m.Value));
    }

    private static async Task<int> RunToEndAsync(string fileName, string[] arguments, string folder, TimeSpan timeout)
    {
        using var process = Process.Start(new ProcessStartInfo(fileName, arguments) { WorkingDirectory = folder })!;
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return process.ExitCode;
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
