using FluentAssertions;
using Netra.Bench;
using Xunit;

namespace Netra.Tests.Bench;

/// <summary>
/// The bench's core probe (bench/Netra.Bench/CoreProbe.cs): it samples how fast its core runs system calls, and each
/// measured window reports the median of the samples taken in it.
/// </summary>
public sealed class CoreProbeTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("netra-probe-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void TheMedianTakesOnlyTheSamplesOfItsWindow()
    {
        var samples = Path.Combine(folder, "samples.txt");
        File.WriteAllLines(samples, ["1000 10.0", "2000 30.0", "not a sample", "3000 20.0", "4000 100.0", "4500"]);

        CoreProbe.Median(samples, 1000, 3000).Should().Be(20);
        CoreProbe.Median(samples, 2000, 4000).Should().Be(30);
        CoreProbe.Median(samples, 1500, 2500).Should().Be(30);
        CoreProbe.Median(samples, 5000, 6000).Should().Be(-1, "no sample was taken in that window");
        CoreProbe.Median(Path.Combine(folder, "none.txt"), 0, long.MaxValue).Should().Be(-1, "the probe has not written yet");
    }

    [Fact]
    public async Task AWindowReportsTheProbesMedianWhileTheProbeRuns()
    {
        var samples = Path.Combine(folder, "probe.txt");
        using var stop = new CancellationTokenSource();
        var probe = Task.Factory.StartNew(() => CoreProbe.Run(samples, TimeSpan.FromSeconds(30), stop.Token), TaskCreationOptions.LongRunning);
        var target = new Target { System = Target.Stock, Nodes = [new Uri("http://127.0.0.1:1")], CoreProbe = samples };
        var withoutProbe = new Target { System = Target.Stock, Nodes = [new Uri("http://127.0.0.1:1")] };

        var window = await CpuWindow.StartAsync(target, CancellationToken.None);
        var other = await CpuWindow.StartAsync(withoutProbe, CancellationToken.None);
        await Task.Delay(CoreProbe.Period * 5);
        var measured = await window.StopAsync(0, CancellationToken.None);
        var unprobed = await other.StopAsync(0, CancellationToken.None);
        await stop.CancelAsync();
        await probe.WaitAsync(TimeSpan.FromSeconds(10));

        measured.CoreProbe.Should().BePositive("the probe wrote samples during the window");
        unprobed.CoreProbe.Should().Be(-1);
        var lines = File.ReadAllLines(samples);
        lines.Should().HaveCountGreaterThanOrEqualTo(2);
        lines.Should().AllSatisfy(line => line.Split(' ').Should().HaveCount(2));
    }

    [Fact]
    public async Task TheProbeStopsAtItsTimeLimit()
    {
        var samples = Path.Combine(folder, "limited.txt");

        var probe = Task.Run(() => CoreProbe.Run(samples, TimeSpan.FromSeconds(1), CancellationToken.None));
        var first = await Task.WhenAny(probe, Task.Delay(TimeSpan.FromSeconds(20)));

        first.Should().BeSameAs(probe, "a probe nobody stops ends at its limit");
        File.ReadAllLines(samples).Should().NotBeEmpty();
    }

    [Fact]
    public void ItsReportLineSaysWhatItDoes()
    {
        CoreProbe.Describe().Should().StartWith("core probe: a process on the server core writes a 100-byte message into a pipe and reads it back 200 times every 250 ms");
    }
}
