namespace Netra.Server.Metrics;

/// <summary>The body of <c>GET /api/admin/stats</c>: this node's figures since it started.</summary>
internal sealed record StatsSnapshot(string Node, DateTimeOffset StartedAt, long ActiveConnections, IReadOnlyDictionary<string, long> Totals, GcSnapshot Gc);

/// <summary>
/// The process's garbage collector since it started: collections of each generation (a gen2 counts in gen1's and gen0's
/// too, as the runtime counts them), the time the process was paused for them, the managed heap now and all it allocated.
/// Pauses are what a node's latency tail shows first (docs/benchmarks.md); an operator or the bench reads them here between
/// two moments.
/// </summary>
internal sealed record GcSnapshot(int Gen0Collections, int Gen1Collections, int Gen2Collections, double PauseMs, long HeapBytes, long AllocatedBytes)
{
    public static GcSnapshot Now() => new(
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        GC.GetTotalPauseDuration().TotalMilliseconds,
        GC.GetTotalMemory(forceFullCollection: false),
        GC.GetTotalAllocatedBytes(precise: false));
}
