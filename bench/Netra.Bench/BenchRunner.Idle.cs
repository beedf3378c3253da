namespace Netra.Bench;

public sealed partial class BenchRunner
{
    /// <summary>
    /// idle: server RSS growth per open, idle connection at each size, and between each size and the one before it. One
    /// repetition per server process (bench/run.sh restarts the server between repetitions, so each starts from a clean
    /// heap). The growth between two sizes leaves out what does not grow with the connections, such as the garbage the
    /// GC's gen0 budget lets pile up before a collection (a budget the runtime sizes from the L3 cache, docs/benchmarks.md).
    /// </summary>
    private async Task IdleAsync(CancellationToken cancellationToken)
    {
        var warmup = await OpenManyAsync(Math.Min(200, options.IdleSizes[0]), 32, i => (0, 3_900_000 + i), null, cancellationToken);
        await CloseAllAsync(warmup);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);

        var measure = target.ServerPids.Count > 0;
        var baseline = measure ? ProcessStats.RssKiB(target.ServerPids) : 0;
        var (previousSize, previousRss) = (0, baseline);
        var open = new List<BenchConnection>();
        using var keepAliveStop = new CancellationTokenSource();
        var keepAlive = KeepAliveAsync(() =>
        {
            lock (open)
            {
                return [.. open];
            }
        }, keepAliveStop.Token);
        try
        {
            foreach (var size in options.IdleSizes)
            {
                var start = open.Count;
                var more = await OpenManyAsync(size - start, 64, i => (0, 3_000_000 + start + i), null, cancellationToken);
                lock (open)
                {
                    open.AddRange(more);
                }

                await Task.Delay(options.IdleSettle, cancellationToken);
                var alive = open.Count(c => c.IsOpen);
                if (alive != size)
                {
                    throw new InvalidOperationException($"{size - alive} of {size} idle connections were closed by the server.");
                }

                if (measure)
                {
                    var rss = ProcessStats.RssKiB(target.ServerPids);
                    Add($"idle.kb_per_conn.{size}", "KiB", (rss - baseline) / (double)size, 1);
                    Add($"idle.rss_mb.{size}", "MiB", rss / 1024.0, 1);
                    if (previousSize > 0)
                    {
                        Add($"idle.kb_per_conn.{previousSize}_to_{size}", "KiB", (rss - previousRss) / (double)(size - previousSize), 1);
                    }

                    (previousSize, previousRss) = (size, rss);
                }
            }
        }
        finally
        {
            await keepAliveStop.CancelAsync();
            await keepAlive;
            await CloseAllAsync(open);
        }
    }
}
