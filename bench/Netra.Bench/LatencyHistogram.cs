using System.Numerics;

namespace Netra.Bench;

/// <summary>
/// Lock-free latency histogram in microseconds: exact below 1,024 µs, then 512 buckets per power
/// of two (about 0.2 % resolution), so percentiles cost no sorting and recording no allocation.
/// </summary>
public sealed class LatencyHistogram
{
    private const int Linear = 1024;
    private const int SubBuckets = 512;
    private readonly long[] counts = new long[Linear + (64 * SubBuckets)];
    private long total;

    public long Count => Interlocked.Read(ref total);

    public void RecordTicks(long stopwatchTicks) =>
        Record(stopwatchTicks * 1_000_000 / System.Diagnostics.Stopwatch.Frequency);

    public void Record(long micros)
    {
        Interlocked.Increment(ref counts[Index(Math.Max(0, micros))]);
        Interlocked.Increment(ref total);
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1) in milliseconds; 0 when empty.</summary>
    public double PercentileMs(double q)
    {
        var n = Count;
        if (n == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * n);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += Interlocked.Read(ref counts[i]);
            if (seen >= rank)
            {
                return Value(i) / 1000.0;
            }
        }

        return Value(counts.Length - 1) / 1000.0;
    }

    private static int Index(long micros)
    {
        if (micros < Linear)
        {
            return (int)micros;
        }

        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)micros); // >= 10
        var shift = exponent - 9;
        var mantissa = (int)((micros >> shift) & (SubBuckets - 1));
        return Linear + ((exponent - 10) * SubBuckets) + mantissa;
    }

    private static long Value(int index)
    {
        if (index < Linear)
        {
            return index;
        }

        var exponent = ((index - Linear) / SubBuckets) + 10;
        var mantissa = (index - Linear) % SubBuckets;
        return (long)(SubBuckets + mantissa) << (exponent - 9);
    }
}
