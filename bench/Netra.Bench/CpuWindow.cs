using System.Diagnostics;

namespace Netra.Bench;

/// <summary>
/// CPU used during a measurement window, in % of one core: the server processes, PostgreSQL (the
/// postmaster and its backends, when its pid is known) and this generator.
/// </summary>
public sealed class CpuWindow
{
    private readonly Target target;
    private readonly double serverBefore;
    private readonly Dictionary<int, double> postgresBefore;
    private readonly TimeSpan generatorBefore;
    private readonly long startedAt = Stopwatch.GetTimestamp();

    private CpuWindow(Target target)
    {
        this.target = target;
        serverBefore = target.ServerPids.Count > 0 ? ProcessStats.CpuSeconds(target.ServerPids) : 0;
        postgresBefore = target.PostgresPid is { } pg ? ProcessStats.TreeCpuSeconds(pg) : [];
        generatorBefore = Process.GetCurrentProcess().TotalProcessorTime;
    }

    public static CpuWindow Start(Target target) => new(target);

    /// <summary>Server CPU (-1 when no server pid is known), PostgreSQL CPU (-1 when unknown) and generator CPU over the window.</summary>
    public (double Server, double Postgres, double Generator, double Seconds) Stop()
    {
        var seconds = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;
        var server = target.ServerPids.Count > 0 ? 100 * (ProcessStats.CpuSeconds(target.ServerPids) - serverBefore) / seconds : -1;
        var postgres = -1.0;
        if (target.PostgresPid is { } pg)
        {
            var after = ProcessStats.TreeCpuSeconds(pg);
            postgres = 100 * after.Sum(kv => kv.Value - postgresBefore.GetValueOrDefault(kv.Key)) / seconds;
        }

        var generator = 100 * (Process.GetCurrentProcess().TotalProcessorTime - generatorBefore).TotalSeconds / seconds;
        return (server, postgres, generator, seconds);
    }
}
