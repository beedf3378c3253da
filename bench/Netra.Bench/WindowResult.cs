namespace Netra.Bench;

/// <summary>
/// A measured window: its length, the CPU used in it (% of one core; -1 where not measured), the core probe's median in it
/// (nanoseconds per round trip; -1 where none ran), each node's GC pause time (ms) and collections in it (empty where the
/// server does not report them), and how long the load ran before it (its warm-up, which lasts until the server's compiler
/// has settled); and PostgreSQL's sessions opened and closed in it (<see cref="PostgresSessions"/>).
/// </summary>
public sealed record WindowResult(
    double Seconds, double ServerCpu, double PostgresCpu, double GeneratorCpu, double CompilerCpu, double CoreProbe, double WarmupSeconds,
    (double PauseMs, int Collections)[] Gc)
{
    /// <summary>
    /// PostgreSQL server processes that started or ended in the window (sessions opened and closed), -1 where PostgreSQL's
    /// pid is not known. Each takes the server core a few ms to fork or tear down, all of it outside the server's CPU
    /// figure; a pool closing its idle connections at once held every process on the core for 100-300 ms
    /// (docs/benchmarks.md).
    /// </summary>
    public int PostgresSessions { get; init; } = -1;

    /// <summary>
    /// One window taken in <paramref name="slices"/> (<see cref="BenchOptions.Slices"/>): their lengths, warm-ups, GC pauses
    /// and collections, and PostgreSQL's sessions added up; CPU figures and the core probe as the slices' mean, each slice
    /// weighed by its length. A mean, or the sessions, is -1 where any slice lacks it; no GC figures unless every slice has
    /// them for the same nodes.
    /// </summary>
    public static WindowResult Combine(IReadOnlyList<WindowResult> slices)
    {
        ArgumentOutOfRangeException.ThrowIfZero(slices.Count);
        if (slices.Count == 1)
        {
            return slices[0];
        }

        var seconds = slices.Sum(slice => slice.Seconds);
        double Mean(Func<WindowResult, double> figure) =>
            slices.Any(slice => figure(slice) < 0) ? -1 : slices.Sum(slice => figure(slice) * slice.Seconds) / seconds;

        var nodes = slices[0].Gc.Length;
        (double PauseMs, int Collections)[] gc = slices.All(slice => slice.Gc.Length == nodes)
            ? [.. Enumerable.Range(0, nodes).Select(node => (slices.Sum(slice => slice.Gc[node].PauseMs), slices.Sum(slice => slice.Gc[node].Collections)))]
            : [];
        return new WindowResult(
            seconds,
            Mean(slice => slice.ServerCpu),
            Mean(slice => slice.PostgresCpu),
            Mean(slice => slice.GeneratorCpu),
            Mean(slice => slice.CompilerCpu),
            Mean(slice => slice.CoreProbe),
            slices.Sum(slice => slice.WarmupSeconds),
            gc)
        {
            PostgresSessions = slices.Any(slice => slice.PostgresSessions < 0) ? -1 : slices.Sum(slice => slice.PostgresSessions),
        };
    }
}
