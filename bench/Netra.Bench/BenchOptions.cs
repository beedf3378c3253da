using System.Globalization;
using static System.FormattableString;

namespace Netra.Bench;

/// <summary>Sizes and durations of one generator run. <see cref="Smoke"/> gives the tiny run the test suite uses.</summary>
public sealed class BenchOptions
{
    public int Reps { get; set; } = 3;

    /// <summary>Number of the first repetition in the output (bench/run.sh runs one repetition per round and numbers them by round).</summary>
    public int FirstRep { get; set; } = 1;

    /// <summary>
    /// The least load before each window of workers that call one at a time (fan-out, rpc, chat at saturation): they reach
    /// their pace within a few calls, and the warm-up goes on anyway while the server's JIT is busy.
    /// </summary>
    public TimeSpan Warmup { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <summary>
    /// Load before a window at a fixed offered rate (chat at half load), whose p99 is the figure: the senders' schedules
    /// and the server's write batches take longer to settle from idle.
    /// </summary>
    public TimeSpan RateWarmup { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A pair of targets measured in turn (<c>RunPairedFanoutAsync</c>) takes each of its windows in this many slices of
    /// <see cref="Duration"/> / <see cref="Slices"/>, one target's then the other's, the order turned round from one slice
    /// to the next (A B, B A, ...), and reports each target's slices as one window (<c>--slices</c>; 1, the default, takes
    /// it whole). A spell of a slower core or of how the processes fall on it then lands on both targets' windows.
    /// </summary>
    public int Slices { get; set; } = 1;

    /// <summary>
    /// Unmeasured fan-out load at the largest window before the first one (<c>--prewarm</c>), at least this long and, like
    /// every warm-up, until the server's JIT settles. A .NET server on one core recompiles its hot paths optimized (tier 1,
    /// after an instrumented tier) for several seconds after they start being used, and a window measured meanwhile
    /// measures the compiler.
    /// </summary>
    public TimeSpan Prewarm { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// A warm-up goes on past its length while the server's tier-1 compiler threads use this much of a core or more
    /// (% of one core, over the last half second or the warm-up's own length; <c>--settled-jit-cpu</c>).
    /// </summary>
    public double SettledJitCpu { get; set; } = 3;

    /// <summary>
    /// Fan-out on Netra: the longest the generator opens and closes connections after the subscribers connected, until
    /// every node's GC has promoted their state out of its young generations (<c>--settle-gc</c>, seconds; zero, the
    /// default, skips it). bench/run.sh gives it to the scale-out runs, see <c>SettleGcAsync</c>.
    /// </summary>
    public TimeSpan GcSettleMax { get; set; } = TimeSpan.Zero;

    /// <summary>The longest a warm-up goes on waiting for the JIT to settle (<c>--warmup-max</c>, seconds).</summary>
    public TimeSpan WarmupMax { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// After a load stops, the next one waits until no delivery arrived for <see cref="DrainQuiet"/> (the ones still queued
    /// somewhere came in), for at most this long.
    /// </summary>
    public TimeSpan DrainMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc cref="DrainMax"/>
    public TimeSpan DrainQuiet { get; set; } = TimeSpan.FromMilliseconds(250);

    public int ConnectCount { get; set; } = 1000;

    public int ConnectConcurrency { get; set; } = 32;

    /// <summary>Windows of <see cref="ConnectCount"/> connections per connect repetition; the one of median rate is reported.</summary>
    public int ConnectWindows { get; set; } = 3;

    /// <summary>Connections connect's warm-up opens and closes at a time, until the server's JIT has settled.</summary>
    public int ConnectWarmupBatch => Math.Min(100, ConnectCount);

    public IReadOnlyList<int> IdleSizes { get; set; } = [5000, 10000];

    /// <summary>How long idle waits after the last connection of a size has opened before it reads the server's RSS.</summary>
    public TimeSpan IdleSettle { get; set; } = TimeSpan.FromSeconds(1);

    public int Subscribers { get; set; } = 1000;

    public IReadOnlyList<int> Windows { get; set; } = [1, 16, 64];

    public int PayloadBytes { get; set; } = 100;

    public int RpcConnections { get; set; } = 100;

    public int Chats { get; set; } = 100;

    public int ChatMembers { get; set; } = 10;

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The report's lines on the sizes and durations this run measured with (`Netra.Bench options`; bench/run.sh adds them
    /// to the report), so that no figure of them is written down twice.
    /// </summary>
    public IEnumerable<string> Describe()
    {
        yield return Invariant($"connect: {ConnectWindows} windows of {ConnectCount:N0} connections, {ConnectConcurrency} at a time, in each round, the one of median rate reported, after connects and closes of {ConnectWarmupBatch:N0} at a time until the server's JIT settled (as in \"warm-up\")");
        yield return Invariant($"idle: the server's RSS read {Seconds(IdleSettle)} after the last of {string.Join(" and ", IdleSizes.Select(size => Invariant($"{size:N0}")))} connections opened");
        yield return Invariant($"windows: {Seconds(Duration)} each; fan-out with {Subscribers:N0} subscribers and {PayloadBytes}-byte messages at W = {string.Join(", ", Windows)}; rpc {RpcConnections} connections; chat {Chats} chats of {ChatMembers} members");
        yield return Invariant($"warm-up: every window of fan-out, rpc and chat at saturation after {Seconds(Warmup)} of its own load and once the server's tier-1 compiler threads used under {SettledJitCpu} % of a core in the last half second (at most {Seconds(WarmupMax)}; \"JIT CPU\" rows), chat at half load after {Seconds(RateWarmup)} of its offered rate; fan-out also {Seconds(Prewarm)} of unmeasured load at the largest window before its first window; after every load, until no delivery arrived for {Seconds(DrainQuiet)} (at most {Seconds(DrainMax)}), so that no window starts with the last one's backlog");
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    public static BenchOptions Smoke() => new()
    {
        Reps = 1,
        Warmup = TimeSpan.FromMilliseconds(200),
        RateWarmup = TimeSpan.FromMilliseconds(200),
        Duration = TimeSpan.FromMilliseconds(500),
        Prewarm = TimeSpan.FromMilliseconds(200),
        WarmupMax = TimeSpan.FromSeconds(1),
        ConnectCount = 20,
        ConnectConcurrency = 4,
        IdleSizes = [10, 20],
        IdleSettle = TimeSpan.FromMilliseconds(200),
        Subscribers = 10,
        Windows = [1, 4],
        RpcConnections = 4,
        Chats = 2,
        ChatMembers = 3,
    };
}
