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
            var cpu = CpuWindow.Start(target);
            var connections = await OpenManyAsync(n, options.ConnectConcurrency, i => (0, baseId + i), latency, cancellationToken);
            var measured = WindowResult.From(cpu.Stop());
            await CloseAllAsync(connections);

            Add("connect.rate", "conn/s", n / measured.Seconds, rep);
            Add("connect.p50", "ms", latency.PercentileMs(0.50), rep);
            Add("connect.p99", "ms", latency.PercentileMs(0.99), rep);
            AddCpu("connect", measured, n, "connections per CPU-s", rep);
            await Task.Delay(500, cancellationToken); // let the server finish the closes before the next repetition
        }
    }
}
