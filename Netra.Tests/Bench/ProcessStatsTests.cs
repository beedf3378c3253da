using System.Diagnostics;
using System.Globalization;
using FluentAssertions;
using Netra.Bench;
using Xunit;

namespace Netra.Tests.Bench;

/// <summary>
/// The per-thread CPU readings the bench's warm-up waits on (the server's tier-1 compiler threads), read from /proc for
/// threads of this test process, and the processes of a tree that came and went between two readings (PostgreSQL's
/// sessions in a window).
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
        ProcessStats.Turnover(before, after).Should().Be(2, "one ended and one started");
        ProcessStats.Turnover(after, after).Should().Be(0);
    }

    [Fact]
    public async Task TurnoverCountsTheProcessesOfATreeThatEndedOrStarted()
    {
        // A shell with two children, as PostgreSQL's postmaster has its sessions' server processes.
        using var shell = Process.Start(new ProcessStartInfo("bash", ["-c", "sleep 60 & echo $!; sleep 60 & echo $!; wait"])
        {
            RedirectStandardOutput = true,
        })!;
        try
        {
            var first = int.Parse((await shell.StandardOutput.ReadLineAsync())!, CultureInfo.InvariantCulture);
            var second = int.Parse((await shell.StandardOutput.ReadLineAsync())!, CultureInfo.InvariantCulture);
            var before = await TreeAsync(shell.Id, tree => tree.ContainsKey(second));
            before.Keys.Should().Contain([shell.Id, first, second]);

            using (var ended = Process.GetProcessById(first))
            {
                ended.Kill();
            }

            var after = await TreeAsync(shell.Id, tree => !tree.ContainsKey(first));
            ProcessStats.Turnover(before, after).Should().Be(1, "one child ended and none started");
            ProcessStats.Turnover(after, await TreeAsync(shell.Id, _ => true)).Should().Be(0);
        }
        finally
        {
            shell.Kill(entireProcessTree: true);
            await shell.WaitForExitAsync();
        }
    }

    /// <summary>Reads the tree under <paramref name="root"/> until <paramref name="ready"/> holds for it (at most 10 s).</summary>
    private static async Task<Dictionary<int, double>> TreeAsync(int root, Func<Dictionary<int, double>, bool> ready)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var tree = ProcessStats.TreeCpuSeconds(root);
        while (!ready(tree) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            tree = ProcessStats.TreeCpuSeconds(root);
        }

        return tree;
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
