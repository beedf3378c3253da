using System.Diagnostics;
using System.Globalization;

namespace Netra.Bench;

public sealed partial class BenchRunner
{
    /// <summary>
    /// fan-out: S subscribers of one channel (spread over the target's nodes), one sender on node 0
    /// with at most W messages in flight. Netra's channel is a chat whose members are the
    /// subscribers, so every message is stored in PostgreSQL before it is broadcast (Netra has no
    /// client-side publish to an unstored channel); the peers broadcast straight to a group/room.
    /// </summary>
    private async Task FanoutAsync(CancellationToken cancellationToken)
    {
        await using var setup = await OpenFanoutAsync(cancellationToken);
        await SettleFanoutAsync(setup, cancellationToken);
        foreach (var window in options.Windows)
        {
            for (var rep = 1; rep <= options.Reps; rep++)
            {
                await MeasureFanoutAsync(setup, window, rep, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The fan-out of two targets connected at once, this runner's and <paramref name="second"/>'s, their windows taken
    /// in turn (this runner's window sizes and repetitions): each window for this one then the other, the next in the
    /// reverse order (A B, B A, ...), so that the two windows compared are seconds apart rather than a whole setup's run.
    /// The scale-out comparison (1 node against 2 nodes on the same core) measured them one after the other, 20-40 s
    /// apart, and a spell of a slower core in one of the two went straight into the difference (docs/benchmarks.md). With
    /// <see cref="BenchOptions.Slices"/> above 1 each window is taken in that many slices, in turn in the same way (A B,
    /// B A, A B, ...; the next window starting with the other target), each target's slices counted as one window. Each
    /// target's subscribers follow a chat of their own (<see cref="Target.FanoutChat"/>); the one not measured is idle
    /// meanwhile, its connections open.
    /// </summary>
    public async Task RunPairedFanoutAsync(BenchRunner second, CancellationToken cancellationToken)
    {
        Log($"{System} and {second.System}: fanout, their windows in turn");
        var watch = Stopwatch.StartNew();
        await using var a = await OpenFanoutAsync(cancellationToken);
        await using var b = await second.OpenFanoutAsync(cancellationToken);
        await SettleFanoutAsync(a, cancellationToken);
        await second.SettleFanoutAsync(b, cancellationToken);
        (BenchRunner Runner, FanoutSetup Setup, List<WindowResult> Taken)[] pair = [(this, a, []), (second, b, [])];
        var slices = options.Slices;
        var sliceLength = options.Duration / slices;
        var windowsTaken = 0;
        foreach (var window in options.Windows)
        {
            for (var rep = 1; rep <= options.Reps; rep++, windowsTaken++)
            {
                for (var slice = 0; slice < slices; slice++)
                {
                    foreach (var (runner, setup, taken) in InTurn(windowsTaken + slice))
                    {
                        if (slices > 1)
                        {
                            Log($"  {runner.System} fanout W={window} slice {slice + 1} of {slices}");
                        }

                        taken.Add(await runner.DriveAsync(window, setup.Send, setup.Meter, cancellationToken, windowLength: sliceLength, resume: slice > 0));
                    }
                }

                foreach (var (runner, setup, taken) in InTurn(windowsTaken)) // in the order of the window's first slice
                {
                    runner.AddFanoutFigures(setup.Meter, window, rep, WindowResult.Combine(taken));
                    taken.Clear();
                }
            }
        }

        Log($"{System} and {second.System}: fanout done in {watch.Elapsed.TotalSeconds:F1} s");

        // A B, B A, A B, ...: who goes first turns round from one slice to the next and from one window to the next.
        (BenchRunner Runner, FanoutSetup Setup, List<WindowResult> Taken)[] InTurn(int turn) => turn % 2 == 0 ? pair : [pair[1], pair[0]];
    }

    /// <summary>Connects the subscribers (spread over the nodes) and subscribes them, then connects the sender on node 0.</summary>
    private async Task<FanoutSetup> OpenFanoutAsync(CancellationToken cancellationToken)
    {
        var s = options.Subscribers;
        NetraSeed? netra = target.IsNetra ? await SeedAsync(cancellationToken) : null;
        var chat = netra?.FanoutChats[target.FanoutChat];
        var meter = new DeliveryMeter(target.Received, byNode: target.HasSeveralNodes);
        var subscribers = await OpenManyAsync(s, 64, i => (i, netra?.FanoutSubscribers[i] ?? 0), null, cancellationToken);
        BenchConnection sender;
        try
        {
            var subscribeArgs = chat is null ? $"[\"{Room}\"]" : $"[\"chat:{chat}\",null]";
            var subscribeMethod = target.System switch { Target.Netra => "Subscribe", Target.Stock => "Subscribe", _ => "join" };
            await Parallel.ForEachAsync(Enumerable.Range(0, s), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                var node = i % target.Nodes.Count; // as OpenManyAsync spread them
                subscribers[i].EventReceived = frame => meter.Delivered(SentAt(frame), node);
                await subscribers[i].InvokeAsync(subscribeMethod, subscribeArgs, ct);
            });
            sender = await BenchConnection.OpenAsync(target, 0, netra?.FanoutSender ?? 0, options.ConnectTimeout, cancellationToken);
        }
        catch
        {
            await CloseAllAsync(subscribers);
            throw;
        }

        long sequence = 0;
        string Message() => target.System switch
        {
            Target.Netra => string.Create(CultureInfo.InvariantCulture,
                $"[{{\"chatId\":{chat},\"content\":{Quote(Payload())},\"clientMessageId\":\"bench-{Environment.ProcessId}-{Interlocked.Increment(ref sequence)}-{Stopwatch.GetTimestamp()}\"}}]"),
            _ => $"[\"{Room}\",{Quote(Payload())}]",
        };
        var method = target.System switch { Target.Netra => "SendMessage", Target.Stock => "Publish", _ => "publish" };
        return new FanoutSetup(subscribers, sender, meter, _ => sender.InvokeAsync(method, Message(), cancellationToken));
    }

    /// <summary>Before the first window: the GC settle (Netra, where asked for) and the unmeasured prewarm load.</summary>
    private async Task SettleFanoutAsync(FanoutSetup setup, CancellationToken cancellationToken)
    {
        if (options.GcSettleMax > TimeSpan.Zero && target.IsNetra)
        {
            Add("fanout.gc_settle_s", "s", await SettleGcAsync(cancellationToken), 1);
        }

        if (options.Prewarm > TimeSpan.Zero)
        {
            var prewarm = await DriveAsync(options.Windows.Max(), setup.Send, setup.Meter, cancellationToken, loadOnly: options.Prewarm);
            Add("fanout.prewarm_s", "s", prewarm.WarmupSeconds, 1);
        }
    }

    /// <summary>One measured window of <paramref name="window"/> messages in flight, and its figures as repetition <paramref name="rep"/>.</summary>
    private async Task MeasureFanoutAsync(FanoutSetup setup, int window, int rep, CancellationToken cancellationToken) =>
        AddFanoutFigures(setup.Meter, window, rep, await DriveAsync(window, setup.Send, setup.Meter, cancellationToken));

    /// <summary>The figures of a window of <paramref name="window"/> messages in flight, <paramref name="measured"/> and counted by <paramref name="meter"/>.</summary>
    private void AddFanoutFigures(DeliveryMeter meter, int window, int rep, WindowResult measured)
    {
        Add($"fanout.w{window}.rate", "deliveries/s", meter.Deliveries / measured.Seconds, rep);
        Add($"fanout.w{window}.p50", "ms", meter.Latency.PercentileMs(0.50), rep);
        Add($"fanout.w{window}.p99", "ms", meter.Latency.PercentileMs(0.99), rep);
        if (target.HasSeveralNodes)
        {
            var (senderNodeP99, otherNodesP99) = (meter.SenderNodeLatency.PercentileMs(0.99), meter.OtherNodesLatency.PercentileMs(0.99));
            Add($"fanout.w{window}.p50.sender_node", "ms", meter.SenderNodeLatency.PercentileMs(0.50), rep);
            Add($"fanout.w{window}.p50.other_nodes", "ms", meter.OtherNodesLatency.PercentileMs(0.50), rep);
            Add($"fanout.w{window}.p99.sender_node", "ms", senderNodeP99, rep);
            Add($"fanout.w{window}.p99.other_nodes", "ms", otherNodesP99, rep);
            Add($"fanout.w{window}.p99.backplane", "ms", otherNodesP99 - senderNodeP99, rep);
            AddMessageArrivals(window, meter.Messages, rep);
        }

        AddCpu($"fanout.w{window}", measured, meter.Deliveries, "deliveries per CPU-s", rep);
        if (meter.SocketMessages > 0)
        {
            // How many deliveries the server coalesced into one WebSocket message: sends, not records, cost the most.
            Add($"fanout.w{window}.per_message", "deliveries per WebSocket message", (double)meter.Deliveries / meter.SocketMessages, rep);
            var otherNodesMessages = meter.SocketMessages - meter.SenderNodeSocketMessages;
            if (target.HasSeveralNodes && meter.SenderNodeSocketMessages > 0 && otherNodesMessages > 0)
            {
                Add($"fanout.w{window}.per_message.sender_node", "deliveries per WebSocket message",
                    (double)meter.SenderNodeLatency.Count / meter.SenderNodeSocketMessages, rep);
                Add($"fanout.w{window}.per_message.other_nodes", "deliveries per WebSocket message",
                    (double)meter.OtherNodesLatency.Count / otherNodesMessages, rep);
            }
        }
    }

    /// <summary>
    /// Where a message's time through Redis goes, per message of the window: the hop (its first delivery on the other
    /// node after its first on the sender's node) and each node's spread (its first delivery to its last there: how
    /// long that node took to write it to every subscriber of its own). The other node's subscribers get a message a hop
    /// after the sender's node's and then over its spread, so the same-window p99 difference is what is left of the hop
    /// once the two nodes' spreads overlap.
    /// </summary>
    private void AddMessageArrivals(int window, IReadOnlyCollection<MessageArrivals> messages, int rep)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var prefix = $"fanout.w{window}";
        Add($"{prefix}.hop.p50", "ms", Report.PercentileOf(messages.Select(message => message.HopMs), 0.50), rep);
        Add($"{prefix}.hop.p99", "ms", Report.PercentileOf(messages.Select(message => message.HopMs), 0.99), rep);
        Add($"{prefix}.spread.p99.sender_node", "ms", Report.PercentileOf(messages.Select(message => message.SenderNodeSpreadMs), 0.99), rep);
        Add($"{prefix}.spread.p99.other_nodes", "ms", Report.PercentileOf(messages.Select(message => message.OtherNodesSpreadMs), 0.99), rep);
    }

    /// <summary>
    /// Runs <paramref name="window"/> workers that each call <paramref name="send"/> (with the worker's index) one at a time:
    /// warm-up (<see cref="WarmUpAsync"/>), then a measured window. Returns its length in seconds and the server CPU in it (% of
    /// one core; -1 where unknown), PostgreSQL's and the generator's own (to show when the generator,
    /// not the server, is the limit). Waits for the calls in flight before returning. With <paramref name="loadOnly"/> it
    /// only warms the server up, for at least that long, and measures nothing (its result has no CPU figures). The window
    /// lasts <paramref name="windowLength"/> (<see cref="BenchOptions.Duration"/> unless given); with <paramref name="resume"/>
    /// it is a further slice of the meter's last window, which counts on from what it had (<see cref="DeliveryMeter.Resume"/>).
    /// </summary>
    private async Task<WindowResult> DriveAsync(
        int window, Func<int, Task> send, DeliveryMeter meter, CancellationToken cancellationToken, TimeSpan? loadOnly = null,
        TimeSpan? windowLength = null, bool resume = false)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, window).Select(worker => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                await send(worker);
                meter.Called(started);
            }
        }, CancellationToken.None)).ToArray();

        WindowResult result;
        try
        {
            if (loadOnly is { } length)
            {
                var warmed = await WarmUpAsync(length, cancellationToken);
                result = new WindowResult(warmed, -1, -1, -1, -1, -1, warmed, []);
            }
            else
            {
                var warmup = await WarmUpAsync(options.Warmup, cancellationToken);
                var cpu = await CpuWindow.StartAsync(target, cancellationToken);
                if (resume)
                {
                    meter.Resume();
                }
                else
                {
                    meter.Open();
                }

                await Task.Delay(windowLength ?? options.Duration, cancellationToken);
                meter.Close();
                result = await cpu.StopAsync(warmup, cancellationToken);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        }

        await DrainAsync(meter, cancellationToken);
        return result;
    }

    /// <summary>
    /// Waits until the deliveries of the load that just stopped have come in: until none arrived for
    /// <see cref="BenchOptions.DrainQuiet"/>, or <see cref="BenchOptions.DrainMax"/> in all. A load faster than some
    /// subscribers can take leaves a backlog (a server that queues, a node of several that fell behind the sender's on the
    /// shared core); the next window would measure it as its own latency (docs/benchmarks.md).
    /// </summary>
    private async Task DrainAsync(DeliveryMeter meter, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var (seen, lastArrival) = (meter.Arrived, started);
        var poll = options.DrainQuiet / 5; // the quiet is timed from the last delivery seen, to within a fifth of it
        while (Stopwatch.GetElapsedTime(started) < options.DrainMax && Stopwatch.GetElapsedTime(lastArrival) < options.DrainQuiet)
        {
            await Task.Delay(poll, cancellationToken);
            var now = meter.Arrived;
            if (now != seen)
            {
                (seen, lastArrival) = (now, Stopwatch.GetTimestamp());
            }
        }

        var took = Stopwatch.GetElapsedTime(started);
        if (took > options.DrainQuiet * 4)
        {
            Log(string.Create(CultureInfo.InvariantCulture, $"  {System} deliveries still arriving after the load stopped: drained in {took.TotalSeconds:F1} s"));
        }
    }

    /// <summary>
    /// Opens and closes connections on every node, <see cref="BenchOptions.ConnectWarmupBatch"/> at a time, until each node
    /// has run two gen1 collections since the subscribers connected, or for <see cref="BenchOptions.GcSettleMax"/>. A node
    /// keeps what a subscriber needs (about 14 KB while messages flow) and the GC copies it from gen0 to gen1 and from gen1
    /// to gen2 in collections that, for a thousand subscribers that connected at once, took 25-80 ms on the shared server
    /// core. At W=1 a node allocates only a few MB a second, so those two collections came 15-40 s after the connects,
    /// inside one of the windows, and in which one was chance: they, not the backplane, made most of the rounds in which
    /// the backplane's p99 missed (docs/benchmarks.md). A service's connections come and go a few at a time; the connects
    /// and closes here (about 20 KB of garbage each) bring those collections forward. Returns how long it took, in seconds.
    /// </summary>
    private async Task<double> SettleGcAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var before = await ServerGc.ReadAsync(target, cancellationToken);
        if (before is null)
        {
            return 0;
        }

        var (churned, batch) = (0, options.ConnectWarmupBatch);
        int[] gen1;
        TimeSpan elapsed;
        do
        {
            await CloseAllAsync(await OpenManyAsync(batch, options.ConnectConcurrency, i => (i, 2_950_000 + i), null, cancellationToken));
            churned += batch;
            var now = (await ServerGc.ReadAsync(target, cancellationToken))!;
            gen1 = [.. now.Zip(before, (after, b) => after.Gen1Collections - b.Gen1Collections)];
            elapsed = Stopwatch.GetElapsedTime(started);
        }
        while (!gen1.All(collections => collections >= 2) && elapsed < options.GcSettleMax);

        Log(string.Create(CultureInfo.InvariantCulture,
            $"  {System} GC settle: {churned:N0} connects and closes in {elapsed.TotalSeconds:F1} s, gen1 collections by node {string.Join(" / ", gen1)}"));
        return elapsed.TotalSeconds;
    }

    /// <summary>
    /// Lets the load that is running warm the server up: for <paramref name="least"/>, then on, half a second at a time, until
    /// the server's tier-1 compiler threads used under <see cref="BenchOptions.SettledJitCpu"/> % of a core in the last stretch,
    /// or until <see cref="BenchOptions.WarmupMax"/> in all. A .NET server recompiles each path optimized only after it has
    /// been busy for a while, twice with dynamic PGO, on one thread; a window measured meanwhile measures the compiler too
    /// (docs/benchmarks.md). Without server pids (in-process) and for servers that are not .NET, just
    /// <paramref name="least"/>. Returns how long it took, in seconds.
    /// </summary>
    private async Task<double> WarmUpAsync(TimeSpan least, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var stretch = least;
        while (true)
        {
            var before = ProcessStats.CompilerCpuSeconds(target.ServerPids);
            var stretchStarted = Stopwatch.GetTimestamp();
            await Task.Delay(stretch, cancellationToken);
            var jit = 100 * ProcessStats.Growth(before, ProcessStats.CompilerCpuSeconds(target.ServerPids)) / Stopwatch.GetElapsedTime(stretchStarted).TotalSeconds;
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (jit < options.SettledJitCpu || elapsed >= options.WarmupMax)
            {
                if (elapsed > least + TimeSpan.FromSeconds(0.5))
                {
                    Log(string.Create(CultureInfo.InvariantCulture, $"  {System} warm-up took {elapsed.TotalSeconds:F1} s; JIT at {jit:F0} % of a core in its last {stretch.TotalSeconds:F1} s"));
                }

                return elapsed.TotalSeconds;
            }

            stretch = TimeSpan.FromSeconds(0.5);
        }
    }

    /// <summary>
    /// CPU figures of a window, its GC pauses where the server reports them, and <paramref name="count"/> per CPU-second of
    /// the server side (server plus PostgreSQL).
    /// </summary>
    private void AddCpu(string prefix, WindowResult window, double count, string perCpuUnit, int rep)
    {
        if (window.ServerCpu >= 0)
        {
            Add($"{prefix}.cpu", "% of a core", window.ServerCpu, rep);
        }

        if (window.PostgresCpu >= 0)
        {
            Add($"{prefix}.pg_cpu", "% of a core", window.PostgresCpu, rep);
        }

        if (window.PostgresSessions >= 0)
        {
            Add($"{prefix}.pg_sessions", "sessions", window.PostgresSessions, rep);
        }

        Add($"{prefix}.gen_cpu", "% of a core", window.GeneratorCpu, rep);
        if (window.CompilerCpu >= 0)
        {
            Add($"{prefix}.jit_cpu", "% of a core", window.CompilerCpu, rep);
        }

        if (window.CoreProbe >= 0)
        {
            Add($"{prefix}.core_probe", "ns per pipe round trip", window.CoreProbe, rep);
        }

        if (window.Gc.Length > 0)
        {
            // Netra's own account (ServerGc): every node's pauses together, and with several nodes (scale-out) the
            // sender's node (the first) and the others apart, beside their subscribers' latencies.
            Add($"{prefix}.gc_pause_ms", "ms", window.Gc.Sum(node => node.PauseMs), rep);
            Add($"{prefix}.gcs", "collections", window.Gc.Sum(node => node.Collections), rep);
            if (window.Gc.Length > 1)
            {
                Add($"{prefix}.gc_pause_ms.sender_node", "ms", window.Gc[0].PauseMs, rep);
                Add($"{prefix}.gc_pause_ms.other_nodes", "ms", window.Gc[1..].Sum(node => node.PauseMs), rep);
            }
        }

        Add($"{prefix}.warmup_s", "s", window.WarmupSeconds, rep);
        var serverSide = (Math.Max(0, window.ServerCpu) + Math.Max(0, window.PostgresCpu)) / 100 * window.Seconds;
        if (window.ServerCpu > 0 && serverSide > 0)
        {
            Add($"{prefix}.per_cpu_s", perCpuUnit, count / serverSide, rep);
        }
    }

    /// <summary>
    /// A fan-out's connections: subscribers (kept alive with pings, since they only listen) and the sender, what a call
    /// sends, and the meter their deliveries go to. Disposing closes them all.
    /// </summary>
    private sealed class FanoutSetup : IAsyncDisposable
    {
        private readonly BenchConnection[] subscribers;
        private readonly BenchConnection sender;
        private readonly CancellationTokenSource keepAliveStop = new();
        private readonly Task keepAlive;

        public FanoutSetup(BenchConnection[] subscribers, BenchConnection sender, DeliveryMeter meter, Func<int, Task> send)
        {
            this.subscribers = subscribers;
            this.sender = sender;
            Meter = meter;
            Send = send;
            keepAlive = KeepAliveAsync(() => subscribers, keepAliveStop.Token);
        }

        public DeliveryMeter Meter { get; }

        /// <summary>One call of the sender (the worker's index, unused).</summary>
        public Func<int, Task> Send { get; }

        public async ValueTask DisposeAsync()
        {
            await keepAliveStop.CancelAsync();
            await keepAlive;
            keepAliveStop.Dispose();
            await sender.DisposeAsync();
            await CloseAllAsync(subscribers);
        }
    }
}
