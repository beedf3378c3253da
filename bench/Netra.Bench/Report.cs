using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Netra.Bench;

/// <summary>Turns the measurements of a run into bench/results/latest.md and latest.json: medians, ratios, targets.</summary>
public static class Report
{
    /// <summary>Labels bench/run.sh gives the scale-out processes: 1 node without Redis, and 2 nodes through Redis.</summary>
    public const string OneNode = "netra-1node";

    public const string TwoNodes = "netra-2nodes";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly JsonSerializerOptions JsonLine = new(JsonSerializerDefaults.Web);

    private static readonly (string Metric, string Label, bool HigherIsBetter)[] Rows =
    [
        ("connect.rate", "connect: 1,000 authenticated connections, 32 at a time", true),
        ("connect.p50", "connect p50", false),
        ("connect.p99", "connect p99", false),
        ("connect.cpu", "connect server CPU", false),
        ("connect.gen_cpu", "connect generator CPU", false),
        ("connect.jit_cpu", "connect server JIT CPU (tier-1 compiler threads, part of server CPU)", false),
        ("connect.warmup_s", "connect warm-up: connects and closes until the server's JIT settled", false),
        ("connect.per_cpu_s", "connect: connections per server CPU-second", true),
        GcPauses("connect", "connect"),
        CoreSpeed("connect", "connect"),
        ("idle.kb_per_conn.5000", "idle: RSS growth per connection at 5,000", false),
        ("idle.kb_per_conn.10000", "idle: RSS growth per connection at 10,000", false),
        ("idle.kb_per_conn.5000_to_10000", "idle: RSS growth per connection from 5,000 to 10,000 (without what does not grow with them)", false),
        ("idle.rss_mb.10000", "idle: server RSS at 10,000 connections", false),
        ("fanout.prewarm_s", "fan-out warm-up before the first window (until the server's JIT settled)", false),
        ("fanout.gc_settle_s", "fan-out: connects and closes after the subscribers connected, until every node's GC promoted them", false),
        .. Fanout(1),
        .. Fanout(16),
        .. Fanout(64),
        ("rpc.rate", "rpc: 100 connections, Ping/echo one at a time", true),
        ("rpc.p50", "rpc p50", false),
        ("rpc.p99", "rpc p99", false),
        ("rpc.cpu", "rpc server CPU", false),
        ("rpc.gen_cpu", "rpc generator CPU", false),
        ("rpc.jit_cpu", "rpc server JIT CPU", false),
        ("rpc.per_cpu_s", "rpc: calls per server CPU-second", true),
        GcPauses("rpc", "rpc"),
        CoreSpeed("rpc", "rpc"),
        ("chat.saturation", "chat with storage: stored-and-delivered at saturation", true),
        ("chat.saturation.p99", "chat at saturation p99", false),
        ("chat.saturation.cpu", "chat at saturation: Netra CPU", false),
        ("chat.saturation.pg_cpu", "chat at saturation: PostgreSQL CPU", false),
        GcPauses("chat.saturation", "chat at saturation"),
        ("chat.half.rate", "chat at half of saturation: achieved", true),
        ("chat.half.p50", "chat at half load p50", false),
        ("chat.half.p99", "chat at half load p99", false),
        ("chat.half.cpu", "chat at half load: Netra CPU", false),
        ("chat.half.pg_cpu", "chat at half load: PostgreSQL CPU", false),
        ("chat.half.gen_cpu", "chat at half load: generator CPU", false),
        GcPauses("chat.half", "chat at half load"),
        CoreSpeed("chat.half", "chat at half load"),
        ("chat.pg_insert_rate", $"PostgreSQL alone, same insert statement (prepared, a row per commit, {BenchRunner.PostgresWorkers} connections)", true),
        ("chat.pg_insert.p99", "PostgreSQL alone p99", false),
        ("chat.pg_half.rate", "PostgreSQL alone offered the same half-load rate: achieved", true),
        ("chat.pg_half.p50", "PostgreSQL alone at the same half-load rate p50", false),
        ("chat.pg_half.p99", "PostgreSQL alone at the same half-load rate p99", false),
    ];

    /// <summary>Fan-out's rows at <paramref name="window"/> messages in flight, then those a target of several nodes adds.</summary>
    private static (string Metric, string Label, bool HigherIsBetter)[] Fanout(int window)
    {
        var (prefix, label) = ($"fanout.w{window}", $"fan-out W={window}");
        return
        [
            ($"{prefix}.rate", window == 1 ? $"{label}: deliveries/s (1,000 subscribers)" : $"{label}: deliveries/s", true),
            ($"{prefix}.p50", $"{label} p50", false),
            ($"{prefix}.p99", $"{label} p99", false),
            ($"{prefix}.cpu", $"{label} server CPU", false),
            ($"{prefix}.gen_cpu", $"{label} generator CPU", false),
            ($"{prefix}.pg_cpu", $"{label} PostgreSQL CPU", false),
            ($"{prefix}.pg_sessions", $"{label}: PostgreSQL sessions opened and closed in the window (a server process each, forked or torn down on the server core)", false),
            ($"{prefix}.jit_cpu", $"{label} server JIT CPU (tier-1 compiler threads, part of server CPU)", false),
            ($"{prefix}.per_cpu_s", $"{label}: deliveries per server-side CPU-second", true),
            ($"{prefix}.per_message", $"{label}: deliveries per WebSocket message received", true),
            CoreSpeed(prefix, label),
            GcPauses(prefix, label),
            .. ByNode(window),
        ];
    }

    /// <summary>The core probe's row of a window (<c>{prefix}.core_probe</c>, <see cref="CoreProbe"/>).</summary>
    private static (string Metric, string Label, bool HigherIsBetter) CoreSpeed(string prefix, string label) =>
        ($"{prefix}.core_probe", $"{label}: the server core's speed, a probe's CPU per pipe round trip (higher: a slower core)", false);

    /// <summary>The GC pauses row of a window (<c>{prefix}.gc_pause_ms</c>, <see cref="ServerGc"/>): Netra's own figure, all its nodes together.</summary>
    private static (string Metric, string Label, bool HigherIsBetter) GcPauses(string prefix, string label) =>
        ($"{prefix}.gc_pause_ms", $"{label}: GC pauses in the window (Netra's own figure; all nodes)", false);

    /// <summary>The rows a target of several nodes adds to fan-out at <paramref name="window"/>: each node's subscribers apart.</summary>
    private static (string Metric, string Label, bool HigherIsBetter)[] ByNode(int window)
    {
        var (prefix, label) = ($"fanout.w{window}", $"fan-out W={window}");
        return
        [
            ($"{prefix}.p50.sender_node", $"{label} p50, subscribers on the sender's node", false),
            ($"{prefix}.p50.other_nodes", $"{label} p50, subscribers on the other node (through Redis)", false),
            ($"{prefix}.p99.sender_node", $"{label} p99, subscribers on the sender's node", false),
            ($"{prefix}.p99.other_nodes", $"{label} p99, subscribers on the other node (through Redis)", false),
            ($"{prefix}.p99.backplane", $"{label}: p99 through Redis - p99 on the sender's node, same window", false),
            ($"{prefix}.hop.p50", $"{label}: the hop, a message's first delivery through Redis after its first on the sender's node, p50 over messages", false),
            ($"{prefix}.hop.p99", $"{label}: the hop, p99 over messages", false),
            ($"{prefix}.spread.p99.sender_node", $"{label}: a message's first to last delivery on the sender's node, p99 over messages", false),
            ($"{prefix}.spread.p99.other_nodes", $"{label}: a message's first to last delivery on the other node, p99 over messages", false),
            ($"{prefix}.gc_pause_ms.sender_node", $"{label}: GC pauses in the window, the sender's node", false),
            ($"{prefix}.gc_pause_ms.other_nodes", $"{label}: GC pauses in the window, the other node", false),
            ($"{prefix}.per_message.sender_node", $"{label}: deliveries per WebSocket message, subscribers on the sender's node", true),
            ($"{prefix}.per_message.other_nodes", $"{label}: deliveries per WebSocket message, subscribers on the other node", true),
        ];
    }

    public static void Write(IReadOnlyList<Measurement> measurements, IReadOnlyList<KeyValuePair<string, string>> meta, string markdownPath, string jsonPath)
    {
        var medians = measurements
            .GroupBy(m => (m.System, m.Metric))
            .ToDictionary(g => g.Key, g => (Median: MedianOf(g.Select(m => m.Value)), g.First().Unit, Reps: g.Count()));
        double? Get(string system, string metric) => medians.TryGetValue((system, metric), out var v) ? v.Median : null;
        string ByRound(string system, string metric) =>
            string.Join(" / ", measurements.Where(m => m.System == system && m.Metric == metric).OrderBy(m => m.Rep).Select(m => F(m.Value))) is { Length: > 0 } rounds
                ? rounds
                : "-";
        string UnitOf(string metric) => medians.Where(kv => kv.Key.Metric == metric).Select(kv => kv.Value.Unit).FirstOrDefault() ?? "";

        var md = new StringBuilder();
        md.AppendLine("# Netra benchmark: latest run");
        md.AppendLine();
        md.AppendLine("Written by `bench/run.sh` (see bench/README.md). Medians over the repetitions; ratios are Netra / peer");
        md.AppendLine("(for latencies and memory, below 1 is better). These 2-core machines are shared and noisy: read the ratios, not the absolute numbers.");
        md.AppendLine("The \"per CPU-second\" rows divide the work by the CPU the server side really got (server process, plus PostgreSQL for Netra where it");
        md.AppendLine("stores), which is steadier than raw rates when other work takes part of the server core. Generator CPU near 100 % means the generator was the limit.");
        md.AppendLine();
        md.AppendLine("| metric | unit | Netra | stock SignalR | Socket.IO | Netra / stock | Netra / Socket.IO |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        var table = new List<object>();
        foreach (var (metric, label, higher) in Rows)
        {
            var netra = Get(Target.Netra, metric);
            var stock = Get(Target.Stock, metric);
            var socketio = Get(Target.SocketIo, metric);
            if (netra is null && stock is null && socketio is null)
            {
                continue;
            }

            md.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {UnitOf(metric)} | {F(netra)} | {F(stock)} | {F(socketio)} | {Ratio(netra, stock)} | {Ratio(netra, socketio)} |");
            table.Add(new { metric, label, unit = UnitOf(metric), higherIsBetter = higher, netra, stock, socketio, netraOverStock = RatioValue(netra, stock), netraOverSocketio = RatioValue(netra, socketio) });
        }

        md.AppendLine();
        md.AppendLine("## Scale-out: fan-out over 2 Netra nodes through Redis, against 1 node, all servers on the same core");
        md.AppendLine();
        md.AppendLine("Subscribers are spread evenly over the nodes; the sender is on the first. The 1 node (no Redis) and the 2 nodes are kept for");
        md.AppendLine("all rounds and warmed alike (see the configuration below); both are connected at once and their windows taken in turn, in slices");
        md.AppendLine("that alternate (see the configuration), so each round's 1-node and 2-node windows of a size are interleaved. The main table's Netra,");
        md.AppendLine("a fresh process every round, is beside them.");
        md.AppendLine();
        md.AppendLine("| metric | unit | 1 node | 2 nodes + Redis | 2 nodes / 1 node | 1 node, by round | 2 nodes, by round | main table's Netra |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        var scale = new List<object>();
        foreach (var (metric, label, _) in Rows.Where(r => r.Metric.StartsWith("fanout.", StringComparison.Ordinal)))
        {
            var one = Get(OneNode, metric);
            var two = Get(TwoNodes, metric);
            if (one is null && two is null)
            {
                continue;
            }

            var main = Get(Target.Netra, metric);
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {label} | {UnitOf(metric)} | {F(one)} | {F(two)} | {Ratio(two, one)} | {ByRound(OneNode, metric)} | {ByRound(TwoNodes, metric)} | {F(main)} |");
            scale.Add(new { metric, label, unit = UnitOf(metric), oneNode = one, twoNodes = two, twoOverOne = RatioValue(two, one), mainNetra = main });
        }

        var targets = Targets(Get);
        md.AppendLine();
        md.AppendLine("## Targets (issue #10)");
        md.AppendLine();
        md.AppendLine("| target | measured | goal | met |");
        md.AppendLine("|---|---:|---|---|");
        foreach (var t in targets)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {t.Name} | {F(t.Value)} | {t.Goal} | {(t.Value is null ? "not measured" : t.Shortfall is { } shortfall ? $"**no**, {shortfall}" : "yes")} |");
        }

        if (targets.Any(t => t.Shortfall is not null))
        {
            md.AppendLine();
            md.AppendLine("What bounds each missed target, and what was tried against it, is in docs/benchmarks.md (newest section first).");
        }

        var generatorBound = GeneratorBound(medians);
        if (generatorBound.Length > 0)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"Windows in which the generator used {GeneratorBoundCpu} % of its core or more (medians over the rounds): their figures measure the generator as much as the server, and a ratio between two systems that both reached it is mostly the generator's noise:");
            md.AppendLine();
            foreach (var line in generatorBound)
            {
                md.AppendLine(line);
            }
        }

        if (BackplaneByRound(measurements) is { Length: > 0 } rounds)
        {
            md.AppendLine();
            md.AppendLine("The backplane's same-window p99 at W=1 by round, beside that round's 2 nodes' p99 less the 1 node's (measured in two windows, each with the server core's probe, which shows when one of them ran on a slower core), the GC pauses each node had in that window (Netra's own figure) and where a message's time went (the hop to the other node's first delivery, and each node's first to last delivery):");
            md.AppendLine();
            foreach (var round in rounds)
            {
                md.AppendLine(round);
            }
        }

        md.AppendLine();
        md.AppendLine("## Machine, versions and configuration");
        md.AppendLine();
        foreach (var (key, value) in meta)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {key}: {value}");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(markdownPath))!);
        File.WriteAllText(markdownPath, md.ToString());
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            meta = meta.ToDictionary(kv => kv.Key, kv => kv.Value),
            table,
            scaleOut = scale,
            targets = targets.Select(t => new { t.Name, t.Value, t.Goal, met = t.Value is null ? (bool?)null : t.Met, shortfall = t.Shortfall }),
            generatorBound,
            measurements,
        }, Json));
    }

    /// <summary>The generator's CPU (% of its one core) from which a window's figures are taken to be the generator's limit as much as the server's.</summary>
    public const double GeneratorBoundCpu = 90;

    /// <summary>One line per window whose generator CPU reached <see cref="GeneratorBoundCpu"/> for some system, naming those systems.</summary>
    private static string[] GeneratorBound(Dictionary<(string System, string Metric), (double Median, string Unit, int Reps)> medians) =>
        [.. medians
            .Where(kv => kv.Key.Metric.EndsWith(".gen_cpu", StringComparison.Ordinal) && kv.Value.Median >= GeneratorBoundCpu)
            .GroupBy(kv => kv.Key.Metric)
            .OrderBy(g => Array.FindIndex(Rows, row => row.Metric == g.Key))
            .Select(g => string.Create(CultureInfo.InvariantCulture,
                $"- {Array.Find(Rows, row => row.Metric == g.Key).Label ?? g.Key}: {string.Join(", ", g.OrderBy(kv => kv.Key.System, StringComparer.Ordinal).Select(kv => $"{SystemName(kv.Key.System)} {F(kv.Value.Median)} %"))}"))];

    private static string SystemName(string system) => system switch
    {
        Target.Netra => "Netra",
        Target.Stock => "stock SignalR",
        Target.SocketIo => "Socket.IO",
        OneNode => "Netra, 1 node",
        TwoNodes => "Netra, 2 nodes",
        _ => system,
    };

    /// <summary>
    /// One line per round of the 2-node W=1 window: the backplane's same-window p99, the round's 2 nodes' p99 less the
    /// 1 node's with the core probe of both windows, each node's GC pauses in the 2 nodes' window, and the p99 over its
    /// messages of the hop and of each node's first to last delivery, so that a round's figures can be read against what
    /// held either node, how fast the core ran in each window and where a message's time went; empty without those
    /// measurements.
    /// </summary>
    private static string[] BackplaneByRound(IReadOnlyList<Measurement> measurements)
    {
        double? Of(string system, string metric, int rep) =>
            measurements.FirstOrDefault(m => m.System == system && m.Metric == metric && m.Rep == rep)?.Value;
        return [.. measurements
            .Where(m => m.System == TwoNodes && m.Metric == "fanout.w1.p99.backplane")
            .OrderBy(m => m.Rep)
            .Select(m => (m.Rep, Backplane: m.Value, Sender: Of(TwoNodes, "fanout.w1.gc_pause_ms.sender_node", m.Rep), Other: Of(TwoNodes, "fanout.w1.gc_pause_ms.other_nodes", m.Rep),
                Hop: Of(TwoNodes, "fanout.w1.hop.p99", m.Rep), SenderSpread: Of(TwoNodes, "fanout.w1.spread.p99.sender_node", m.Rep), OtherSpread: Of(TwoNodes, "fanout.w1.spread.p99.other_nodes", m.Rep),
                Apart: Of(TwoNodes, "fanout.w1.p99", m.Rep) - Of(OneNode, "fanout.w1.p99", m.Rep),
                OneProbe: Of(OneNode, "fanout.w1.core_probe", m.Rep), TwoProbe: Of(TwoNodes, "fanout.w1.core_probe", m.Rep)))
            .Where(r => r.Sender is not null && r.Other is not null)
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"- round {r.Rep}: {F(r.Backplane)} ms") +
                (r.Apart is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; 2 nodes - 1 node {F(r.Apart)} ms") +
                    (r.OneProbe is null || r.TwoProbe is null ? "" : string.Create(CultureInfo.InvariantCulture,
                        $" (core probe {F(r.OneProbe)} ns in the 1 node's window, {F(r.TwoProbe)} ns in the 2 nodes')"))) +
                string.Create(CultureInfo.InvariantCulture, $"; GC pauses {F(r.Sender)} ms on the sender's node, {F(r.Other)} ms on the other node") +
                (r.Hop is null ? "" : string.Create(CultureInfo.InvariantCulture,
                    $"; p99 over messages: hop {F(r.Hop)} ms, first to last delivery {F(r.SenderSpread)} ms on the sender's node and {F(r.OtherSpread)} ms on the other")))];
    }

    /// <summary>One target: <see cref="Met"/> when <see cref="Value"/> is at least (or at most) the goal; a measured target that is not met has a <see cref="Shortfall"/> saying by how much.</summary>
    private sealed record TargetCheck(string Name, double? Value, double GoalValue, bool AtLeast)
    {
        public string Goal => string.Create(CultureInfo.InvariantCulture, $"{(AtLeast ? ">=" : "<=")} {GoalValue:0.0#}");

        public bool Met => AtLeast ? Value >= GoalValue : Value <= GoalValue;

        public string? Shortfall => Value is not { } value || Met
            ? null
            : AtLeast
                ? string.Create(CultureInfo.InvariantCulture, $"{F(GoalValue - value)} short ({value / GoalValue:P0} of the goal)")
                : string.Create(CultureInfo.InvariantCulture, $"{F(value - GoalValue)} over ({value / GoalValue:0.00}x the goal)");
    }

    private static List<TargetCheck> Targets(Func<string, string, double?> get)
    {
        double? Over(double? a, double? b) => a is null || b is null || b == 0 ? null : a / b;
        var checks = new List<TargetCheck>();
        void AtLeast(string name, double? value, double goal) => checks.Add(new(name, value, goal, AtLeast: true));
        void AtMost(string name, double? value, double goal) => checks.Add(new(name, value, goal, AtLeast: false));

        AtLeast("fan-out W=16: Netra / stock SignalR", Over(get(Target.Netra, "fanout.w16.rate"), get(Target.Stock, "fanout.w16.rate")), 1.0);
        AtLeast("fan-out W=64: Netra / stock SignalR", Over(get(Target.Netra, "fanout.w64.rate"), get(Target.Stock, "fanout.w64.rate")), 1.0);
        AtLeast("fan-out W=1: Netra / Socket.IO", Over(get(Target.Netra, "fanout.w1.rate"), get(Target.SocketIo, "fanout.w1.rate")), 1.0);
        AtLeast("connect: Netra / stock SignalR", Over(get(Target.Netra, "connect.rate"), get(Target.Stock, "connect.rate")), 0.8);
        AtMost("idle: KiB per connection at 10,000 (Netra)", get(Target.Netra, "idle.kb_per_conn.10000"), 15);
        AtLeast("rpc: Netra / stock SignalR", Over(get(Target.Netra, "rpc.rate"), get(Target.Stock, "rpc.rate")), 1.0);
        AtLeast("chat: saturation / PostgreSQL's own insert rate", Over(get(Target.Netra, "chat.saturation"), get(Target.Netra, "chat.pg_insert_rate")), 0.5);
        AtMost("chat: p99 at half load (ms)", get(Target.Netra, "chat.half.p99"), 50);
        AtLeast("scale-out W=16: 2 nodes / 1 node", Over(get(TwoNodes, "fanout.w16.rate"), get(OneNode, "fanout.w16.rate")), 0.8);
        AtMost("scale-out: p99 the backplane adds at W=1 (ms, 2 nodes - 1 node)", get(TwoNodes, "fanout.w1.p99") - get(OneNode, "fanout.w1.p99"), 2);
        AtMost("scale-out: p99 the backplane adds at W=1 (ms, other node - sender's node, same window)", get(TwoNodes, "fanout.w1.p99.backplane"), 2);
        return checks;
    }

    public static IReadOnlyList<Measurement> ReadMeasurements(IEnumerable<string> files) =>
        files.SelectMany(File.ReadLines)
            .Where(line => !string.IsNullOrWhiteSpace(line))
            .Select(line => JsonSerializer.Deserialize<Measurement>(line, Json)!)
            .ToList();

    public static string ToJsonLine(Measurement measurement) => JsonSerializer.Serialize(measurement, JsonLine);

    /// <summary>The value at quantile <paramref name="q"/> of <paramref name="values"/> (nearest rank).</summary>
    public static double PercentileOf(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string F(double? value) => value switch
    {
        null => "-",
        >= 1000 => value.Value.ToString("N0", CultureInfo.InvariantCulture),
        >= 100 => value.Value.ToString("F0", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.0##", CultureInfo.InvariantCulture),
    };

    private static double? RatioValue(double? a, double? b) => a is null || b is null || b == 0 ? null : Math.Round(a.Value / b.Value, 3);

    private static string Ratio(double? a, double? b) => RatioValue(a, b) is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-";
}
