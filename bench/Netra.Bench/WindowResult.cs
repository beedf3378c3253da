namespace Netra.Bench;

/// <summary>
/// What a <see cref="CpuWindow"/> measured: its length, the CPU used in it (% of one core; -1 where not measured), the core
/// probe's median in it (nanoseconds per round trip; -1 where none ran), and each node's GC pause time (ms) and collections
/// in it (empty where the server does not report them).
/// </summary>
public sealed record WindowUsage(
    double Seconds, double Server, double Postgres, double Generator, double Compiler, double Probe, (double PauseMs, int Collections)[] Gc);

/// <summary>
/// A measured window: its length, the CPU used in it (% of one core; -1 where not measured), the core probe's median in it
/// (nanoseconds per round trip; -1 where none ran), each node's GC pauses in it, and how long the load ran before it (its
/// warm-up, which lasts until the server's compiler has settled).
/// </summary>
public sealed record WindowResult(
    double Seconds, double ServerCpu, double PostgresCpu, double GeneratorCpu, double CompilerCpu, double CoreProbe, double WarmupSeconds,
    (double PauseMs, int Collections)[] Gc)
{
    public static WindowResult From(WindowUsage usage, double warmupSeconds) =>
        new(usage.Seconds, usage.Server, usage.Postgres, usage.Generator, usage.Compiler, usage.Probe, warmupSeconds, usage.Gc);
}
