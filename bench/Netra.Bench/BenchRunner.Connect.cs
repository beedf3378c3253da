using System.Globalization;

namespace Netra.Bench;

public sealed partial class BenchRunner
{
    /// <summary>
    /// connect: N authenticated connections, C at a time; connections/s and p50/p99 to "ready". Each repetition opens
    /// them <see cref="BenchOptions.ConnectWindows"/> times and reports the window of median rate: a window of 1,000
    /// connections lasts about half a second, short enough for one disturbance on the shared core to halve it.
    /// </summary>
    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var n = options.ConnectCount;
        var warmup = await WarmUpConnectsAsync(options.ConnectWarmupBatch, cancellationToken);
        await Task.Delay(500, cancellationToken); // the server finishes the warm-up's closes, as between windows

        for (var rep = 1; rep <= options.Reps; rep++)
        {
            var windows = new List<(double Rate, LatencyHistogram Latency, WindowResult Measured)>();
            for (var window = 0; window < options.ConnectWindows; window++)
            {
                var latency = new LatencyHistogram();
                var baseId = 2_000_000 + (((rep * options.ConnectWindows) + window) * n);
                var cpu = await CpuWindow.StartAsync(target, cancellationToken);
                var connections = await OpenManyAsync(n, options.ConnectConcurrency, i => (0, baseId + i), latency, cancellationToken);
                var measured = await cpu.StopAsync(warmup, cancellationToken);
                await CloseAllAsync(connections);
                windows.Add((n / measured.Seconds, latency, measured));
                Log(string.Create(CultureInfo.InvariantCulture, $"  {System} connect window {window + 1}: {windows[^1].Rate:F0} conn/s"));
                await Task.Delay(500, cancellationToken); // let the server finish the closes before the next window
            }

            var median = windows.OrderBy(w => w.Rate).ElementAt(windows.Count / 2);
            Add("connect.rate", "conn/s", median.Rate, rep);
            Add("connect.p50", "ms", median.Latency.PercentileMs(0.50), rep);
            Add("connect.p99", "ms", median.Latency.PercentileMs(0.99), rep);
            AddCpu("connect", median.Measured, n, "connections per CPU-s", rep);
        }
    }

    /// <summary>
    /// Opens and closes <paramref name="batch"/> connections at a time, at the connect windows' concurrency, until the
    /// server's JIT has settled (<see cref="WarmUpAsync"/>, as every other window's warm-up): a few hundred connects make
    /// the open and close paths hot, and a window measured while the tier-1 compiler recompiles them measures it too
    /// (Netra's JIT took 18-20 % of the core in connect windows after a fixed warm-up of 100). Returns how long it took, in seconds.
    /// </summary>
    private async Task<double> WarmUpConnectsAsync(int batch, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var load = Task.Run(async () =>
        {
            do
            {
                await CloseAllAsync(await OpenManyAsync(batch, options.ConnectConcurrency, i => (0, 2_900_000 + i), null, cancellationToken));
            }
            while (!stop.IsCancellationRequested);
        }, CancellationToken.None);

        try
        {
            return await WarmUpAsync(options.Warmup, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }
    }
}
