using FluentAssertions;
using Netra.Bench;
using Xunit;

namespace Netra.Tests.Bench;

/// <summary>
/// The per-thread CPU readings the bench's warm-up waits on (the server's tier-1 compiler threads), read from /proc for
/// threads of this test process.
/// </summary>
public sealed class ProcessStatsTests
{
    [Fact]
    public void GrowthCountsWhatEachThreadUsedSinceTheFirstReadingAndAllOfANewOne()
    {
        var before = new Dictionary<int, double> { [10] = 1.5, [11] = 4.0, [12] = 2.0 };
        var after = new Dictionary<int, double> { [10] = 2.0, [12] = 2.0, [13] = 0.25 }; // 11 ended, 13 is new

        ProcessStats.Growth(before, after).Should().Be(0.75);
        ProcessStats.Growth(after, after).Should().Be(0);
    }

    [Fact]
    public async Task ThreadCpuSecondsReadsOnlyTheThreadsOfThatName()
    {
        using var stop = new CancellationTokenSource();
        var busy = Spinning("netra-busy-test", stop.Token);
        var other = Spinning("netra-other-test", stop.Token);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            Dictionary<int, double> reading;
            do
            {
                await Task.Delay(50);
                reading = ProcessStats.ThreadCpuSeconds([Environment.ProcessId], "netra-busy");
            }
            while (reading.Values.Sum() == 0 && DateTime.UtcNow < deadline);

            reading.Should().ContainSingle().Which.Value.Should().BePositive("the thread has spun since it started");
            ProcessStats.ThreadCpuSeconds([Environment.ProcessId], "netra-other").Should().ContainSingle()
                .Which.Key.Should().NotBe(reading.Single().Key);
            ProcessStats.ThreadCpuSeconds([Environment.ProcessId], "no thread is named so").Should().BeEmpty();
        }
        finally
        {
            await stop.CancelAsync();
            busy.Join();
            other.Join();
        }
    }

    private static Thread Spinning(string name, CancellationToken stop)
    {
        var thread = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Thread.SpinWait(1000);
            }
        })
        { Name = name, IsBackground = true };
        thread.Start();
        return thread;
    }
}
