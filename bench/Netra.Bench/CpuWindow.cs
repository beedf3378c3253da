using System.Diagnostics;

namespace Netra.Bench;

/// <summary>
/// CPU used during a measurement window, in % of one core: the server processes, PostgreSQL (the postmaster and its
/// backends, when its pid is known, and how many of those started or ended), this generator, and the servers' tier-1
/// compiler threads (part of the servers' figure; not zero means the window measured the compiler too); and, where a
/// <see cref="CoreProbe"/> runs, how fast the server core ran system calls meanwhile; and for Netra, how long GC pauses
/// held each node in it (<see cref="ServerGc"/>).
/// </summary>
public sealed class CpuWindow
{
    private readonly Target target;
    private readonly double serverBefore;
    private readonly Dictionary<int, double> postgresBefore;
    private readonly TimeSpan generatorBefore;
    private readonly Dictionary<int, double> compilerBefore;
    private readonly long startedAt = Stopwatch.GetTimestamp();
    private readonly long startedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private readonly ServerGc.Reading[]? gcBefore;

    private CpuWindow(Target target, ServerGc.Reading[]? gcBefore)
    {
        this.target = target;
        this.gcBefore = gcBefore;
        serverBefore = target.ServerPids.Count > 0 ? ProcessStats.CpuSeconds(target.ServerPids) : 0;
        postgresBefore = target.PostgresPid is { } pg ? ProcessStats.TreeCpuSeconds(pg) : [];
        generatorBefore = Process.GetCurrentProcess().TotalProcessorTime;
        compilerBefore = ProcessStats.CompilerCpuSeconds(target.ServerPids);
    }

    public static async Task<CpuWindow> StartAsync(Target target, CancellationToken cancellationToken) =>
        new(target, await ServerGc.ReadAsync(target, cancellationToken));

    /// <summary>
    /// Server CPU (-1 when no server pid is known), PostgreSQL CPU (-1 when unknown), generator CPU and the servers' compiler
    /// CPU (-1 when no server pid is known) over the window, the core probe's median in it (-1 when none runs), and each
    /// node's GC pauses in it (none for a peer); with <paramref name="warmupSeconds"/>, the load that ran before it.
    /// </summary>
    public async Task<WindowResult> StopAsync(double warmupSeconds, CancellationToken cancellationToken)
    {
        var seconds = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;
        var server = target.ServerPids.Count > 0 ? 100 * (ProcessStats.CpuSeconds(target.ServerPids) - serverBefore) / seconds : -1;
        var postgresAfter = target.PostgresPid is { } pg ? ProcessStats.TreeCpuSeconds(pg) : null;
        var postgres = postgresAfter is null ? -1 : 100 * ProcessStats.Growth(postgresBefore, postgresAfter) / seconds;
        var generator = 100 * (Process.GetCurrentProcess().TotalProcessorTime - generatorBefore).TotalSeconds / seconds;
        var compiler = target.ServerPids.Count > 0 ? 100 * ProcessStats.Growth(compilerBefore, ProcessStats.CompilerCpuSeconds(target.ServerPids)) / seconds : -1;
        var probe = target.CoreProbe is { } samples ? CoreProbe.Median(samples, startedAtUnixMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) : -1;
        var gc = ServerGc.Between(gcBefore, await ServerGc.ReadAsync(target, cancellationToken));
        return new WindowResult(seconds, server, postgres, generator, compiler, probe, warmupSeconds, gc)
        {
            PostgresSessions = postgresAfter is null ? -1 : ProcessStats.Turnover(postgresBefore, postgresAfter),
        };
    }
}
