using System.Diagnostics;

namespace Netra.Bench;

public sealed partial class BenchRunner
{
    /// <summary>connect: N authenticated connections, C at a time; connections/s and p50/p99 to "ready".</summary>
    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var n = options.ConnectCount;
        var warmup = await OpenManyAsync(Math.Min(100, n), options.ConnectConcurrency, i => (0, 2_900_000 + i), null, cancellationToken);
        await CloseAllAsync(warmup);

        for (var rep = 1; rep <= options.Reps; rep++)
        {
            var latency = new LatencyHistogram();
            var baseId = 2_000_000 + (rep * n);
            var cpuBefore = target.ServerPids.Count > 0 ? ProcessStats.CpuSeconds(target.ServerPids) : 0;
            var watch = Stopwatch.StartNew();
            var connections = await OpenManyAsync(n, options.ConnectConcurrency, i => (0, baseId + i), latency, cancellationToken);
            var elapsed = watch.Elapsed.TotalSeconds;
            var cpu = target.ServerPids.Count > 0 ? 100 * (ProcessStats.CpuSeconds(target.ServerPids) - cpuBefore) / elapsed : -1;
            await CloseAllAsync(connections);

            Add("connect.rate", "conn/s", n / elapsed, rep);
            Add("connect.p50", "ms", latency.PercentileMs(0.50), rep);
            Add("connect.p99", "ms", latency.PercentileMs(0.99), rep);
            if (cpu >= 0)
            {
                Add("connect.cpu", "% of a core", cpu, rep);
            }
            await Task.Delay(500, cancellationToken); // let the server finish the closes before the next repetition
        }
    }
}
