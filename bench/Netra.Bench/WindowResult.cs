namespace Netra.Bench;

/// <summary>
/// A measured window: its length, the CPU used in it (% of one core; -1 where not measured), the core probe's median in it
/// (nanoseconds per round trip; -1 where none ran), each node's GC pause time (ms) and collections in it (empty where the
/// server does not report them), and how long the load ran before it (its warm-up, which lasts until the server's compiler
/// has settled).
/// </summary>
public sealed record WindowResult(
    double Seconds, double ServerCpu, double PostgresCpu, double GeneratorCpu, double CompilerCpu, double CoreProbe, double WarmupSeconds,
    (double PauseMs, int Collections)[] Gc);
