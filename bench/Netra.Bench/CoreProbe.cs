using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace Netra.Bench;

/// <summary>
/// How fast the server core runs system calls, sampled all through a run, so that a window measured while the shared machine
/// slowed that core shows in the report (docs/benchmarks.md: such spells last a minute or two and slowed one system's whole
/// round). <c>bench/run.sh</c> runs <see cref="Run"/> in a process of its own on the server core; every
/// <see cref="Period"/> it writes a 100-byte message through a pipe and reads it back, <see cref="RoundTrips"/> times, and
/// adds a line to its file: the Unix time in milliseconds and the CPU its thread spent per round trip, in nanoseconds.
/// That takes about 0.2 % of the core. <see cref="CpuWindow"/> gives each window the median of the samples taken in it.
/// </summary>
public static class CoreProbe
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    public const int RoundTrips = 200;

    private const int MessageBytes = 100;

    /// <summary>The report's line on the probe (`Netra.Bench options` prints it with the run's other settings).</summary>
    public static string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"core probe: a process on the server core writes a {MessageBytes}-byte message into a pipe and reads it back {RoundTrips} times every {Period.TotalMilliseconds:0} ms (about 0.2 % of the core) and reports the CPU it took; the rows \"the server core's speed\" give its median in the windows, so that a window measured while this shared machine slowed that core shows (docs/benchmarks.md)");

    /// <summary>Samples into <paramref name="path"/> until <paramref name="cancellationToken"/> fires or <paramref name="limit"/> has passed.</summary>
    public static void Run(string path, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var output = new StreamWriter(path, append: true) { AutoFlush = true };
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        var message = new byte[MessageBytes];
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (!cancellationToken.IsCancellationRequested && Stopwatch.GetTimestamp() < deadline)
        {
            cancellationToken.WaitHandle.WaitOne(Period);
            var before = ThreadCpuNanoseconds();
            for (var i = 0; i < RoundTrips; i++)
            {
                writer.Write(message);
                reader.ReadExactly(message);
            }

            var spent = ThreadCpuNanoseconds() - before;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {spent / (double)RoundTrips:F1}"));
        }
    }

    /// <summary>
    /// The median, in nanoseconds of CPU per round trip, of the samples in <paramref name="path"/> taken from
    /// <paramref name="fromUnixMs"/> to <paramref name="toUnixMs"/>; -1 when there are none (or no file yet).
    /// </summary>
    public static double Median(string path, long fromUnixMs, long toUnixMs)
    {
        if (!File.Exists(path))
        {
            return -1; // the probe has not written its first sample yet
        }

        var samples = new List<double>();

        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var lines = new StreamReader(stream))
        {
            while (lines.ReadLine() is { } line)
            {
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                if (space > 0
                    && long.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var at)
                    && double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var nanoseconds)
                    && at >= fromUnixMs && at <= toUnixMs)
                {
                    samples.Add(nanoseconds);
                }
            }
        }

        return samples.Count == 0 ? -1 : Report.MedianOf(samples);
    }

    /// <summary>
    /// The calling thread's time on a CPU so far, to the nanosecond (<c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>;
    /// /proc's schedstat moves only at the scheduler's ticks, coarser than a sample).
    /// </summary>
    private static long ThreadCpuNanoseconds()
    {
        const int ClockThreadCpuTime = 3;
        if (ClockGetTime(ClockThreadCpuTime, out var time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        }

        return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
