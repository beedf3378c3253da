namespace Netra.Tests.Infrastructure;

/// <summary>Expected runs of sequence numbers.</summary>
public static class Seqs
{
    /// <summary><paramref name="from"/> to <paramref name="to"/>, both included (empty when <paramref name="to"/> is smaller).</summary>
    public static IEnumerable<long> Range(long from, long to)
    {
        for (var i = from; i <= to; i++)
        {
            yield return i;
        }
    }
}
