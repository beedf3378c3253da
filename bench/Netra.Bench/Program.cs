using System.Globalization;
using System.Runtime.InteropServices;
using Netra.Bench;

// The benchmark's load generator (bench/README.md).
//   Netra.Bench run --system netra|stock|socketio --url http://127.0.0.1:PORT [--url ...] [--label NAME]
//                   [--signing-key KEY] [--origin ORIGIN] [--pg CONNSTRING] [--pg-pid POSTMASTER_PID] [--server-pid PID ...]
//                   [--scenarios connect,idle,fanout,rpc,chat] [--windows 1,16,64] [--reps 3] [--first-rep 1] [--duration 2] [--slices 1] [--prewarm 0] [--warmup-max 60] [--settled-jit-cpu 3] [--settle-gc 0] [--smoke]
//                   --out results.jsonl
//                   [--core-probe SAMPLES] (the file of a probe on the server core: each window reports its median)
//                   [--pair-label NAME --pair-url URL [--pair-url ...] [--pair-server-pid PID ...]] (fan-out only: a second
//                   setup of the same system, connected beside the first, their windows taken in turn: BenchRunner.RunPairedFanoutAsync)
//   Netra.Bench probe --out SAMPLES [--seconds 1800]: samples how fast this core runs system calls (CoreProbe.cs), until SIGTERM
//   Netra.Bench options [the sizes and durations of run]: the report's lines on them and on the core probe (bench/run.sh adds them to the meta)
//   Netra.Bench report --in a.jsonl [--in b.jsonl ...] [--meta meta.txt] --md latest.md --json latest.json
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Netra.Bench run ... | options ... | report ... (see the top of bench/Netra.Bench/Program.cs)");
    return 2;
}

var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
var flags = new HashSet<string>(StringComparer.Ordinal);
for (var i = 1; i < args.Length; i++)
{
    if (args[i] == "--smoke")
    {
        flags.Add(args[i]);
    }
    else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
    {
        (values.TryGetValue(args[i], out var list) ? list : values[args[i]] = []).Add(args[++i]);
    }
    else
    {
        Console.Error.WriteLine($"unexpected argument '{args[i]}'");
        return 2;
    }
}

string? One(string key) => values.TryGetValue(key, out var list) ? list[^1] : null;
IReadOnlyList<string> All(string key) => values.TryGetValue(key, out var list) ? list : [];
IReadOnlyList<int> Ints(string? text) => text is null ? [] : text.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();

// The sizes and durations the flags of `run` (and `options`) ask for.
BenchOptions Options()
{
    var options = flags.Contains("--smoke") ? BenchOptions.Smoke() : new BenchOptions();
    if (One("--reps") is { } reps)
    {
        options.Reps = int.Parse(reps, CultureInfo.InvariantCulture);
    }

    if (One("--first-rep") is { } firstRep)
    {
        options.FirstRep = int.Parse(firstRep, CultureInfo.InvariantCulture);
    }

    if (One("--windows") is { } windows)
    {
        options.Windows = Ints(windows);
    }

    // For holding idle connections open while a heap dump is taken (docs/benchmarks.md): --idle-sizes 5000 --idle-settle 60.
    if (One("--idle-sizes") is { } idleSizes)
    {
        options.IdleSizes = Ints(idleSizes);
    }

    if (One("--idle-settle") is { } idleSettle)
    {
        options.IdleSettle = TimeSpan.FromSeconds(double.Parse(idleSettle, CultureInfo.InvariantCulture));
    }

    if (One("--duration") is { } duration)
    {
        options.Duration = TimeSpan.FromSeconds(double.Parse(duration, CultureInfo.InvariantCulture));
    }

    if (One("--slices") is { } slices)
    {
        options.Slices = int.Parse(slices, CultureInfo.InvariantCulture);
        if (options.Slices < 1)
        {
            throw new ArgumentException($"--slices must be 1 or more, not {options.Slices}", nameof(args));
        }
    }

    if (One("--prewarm") is { } prewarm)
    {
        options.Prewarm = TimeSpan.FromSeconds(double.Parse(prewarm, CultureInfo.InvariantCulture));
    }

    if (One("--warmup-max") is { } warmupMax)
    {
        options.WarmupMax = TimeSpan.FromSeconds(double.Parse(warmupMax, CultureInfo.InvariantCulture));
    }

    if (One("--settle-gc") is { } settleGc)
    {
        options.GcSettleMax = TimeSpan.FromSeconds(double.Parse(settleGc, CultureInfo.InvariantCulture));
    }

    if (One("--settled-jit-cpu") is { } settledJitCpu)
    {
        options.SettledJitCpu = double.Parse(settledJitCpu, CultureInfo.InvariantCulture);
    }

    return options;
}

switch (args[0])
{
    case "run":
    {
        var options = Options();
        Target MakeTarget(string urls, string pids, int fanoutChat) => new()
        {
            System = One("--system") ?? throw new ArgumentException("--system is required"),
            Nodes = All(urls).Select(u => new Uri(u)).ToList(),
            SigningKey = One("--signing-key"),
            Origin = One("--origin"),
            Postgres = One("--pg"),
            PostgresPid = One("--pg-pid") is { } pgPid ? int.Parse(pgPid, CultureInfo.InvariantCulture) : null,
            ServerPids = All(pids).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList(),
            CoreProbe = One("--core-probe"),
            FanoutChat = fanoutChat,
        };
        var scenarios = One("--scenarios")?.Split(',') ?? [.. BenchRunner.AllScenarios];
        var runner = new BenchRunner(MakeTarget("--url", "--server-pid", 0), options, One("--label"), Console.Out);
        var pair = One("--pair-label") is { } pairLabel ? new BenchRunner(MakeTarget("--pair-url", "--pair-server-pid", 1), options, pairLabel, Console.Out) : null;
        if (pair is not null && !scenarios.SequenceEqual(["fanout"]))
        {
            Console.Error.WriteLine("--pair-label takes --scenarios fanout alone");
            return 2;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        try
        {
            await (pair is null ? runner.RunAsync(scenarios, timeout.Token) : runner.RunPairedFanoutAsync(pair, timeout.Token));
        }
        finally
        {
            if (One("--out") is { } output)
            {
                await File.AppendAllLinesAsync(output, runner.Results.Concat(pair?.Results ?? []).Select(Report.ToJsonLine));
            }
        }

        return 0;
    }

    case "probe":
    {
        // Stopped by SIGTERM (bench/run.sh kills it at the end) or after --seconds.
        using var stop = new CancellationTokenSource();
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        var seconds = One("--seconds") is { } limit ? double.Parse(limit, CultureInfo.InvariantCulture) : 1800;
        CoreProbe.Run(One("--out") ?? throw new ArgumentException("--out is required"), TimeSpan.FromSeconds(seconds), stop.Token);
        return 0;
    }

    case "options":
        foreach (var line in Options().Describe())
        {
            Console.WriteLine(line);
        }

        Console.WriteLine(CoreProbe.Describe());
        return 0;

    case "report":
    {
        var meta = new List<KeyValuePair<string, string>>();
        if (One("--meta") is { } metaFile)
        {
            foreach (var line in File.ReadLines(metaFile).Where(l => l.Contains(':', StringComparison.Ordinal)))
            {
                var at = line.IndexOf(':', StringComparison.Ordinal);
                meta.Add(new(line[..at].Trim(), line[(at + 1)..].Trim()));
            }
        }

        Report.Write(Report.ReadMeasurements(All("--in")), meta, One("--md") ?? "latest.md", One("--json") ?? "latest.json");
        return 0;
    }

    default:
        Console.Error.WriteLine($"unknown command '{args[0]}'");
        return 2;
}
