using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Netra.Server.Realtime;
using Xunit;

namespace Netra.Tests.Realtime;

public sealed class ThreadPoolFloorTests
{
    [Fact]
    public async Task RaisesTheWorkerFloorAndNeverLowersIt()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        try
        {
            await Floor(workers + 3).StartAsync(CancellationToken.None);
            ThreadPool.GetMinThreads(out var raised, out _);
            raised.Should().Be(workers + 3);

            await Floor(1).StartAsync(CancellationToken.None);
            ThreadPool.GetMinThreads(out var kept, out _);
            kept.Should().Be(workers + 3, "a lower setting leaves the floor as it is");
        }
        finally
        {
            ThreadPool.SetMinThreads(workers, completionPorts);
        }
    }

    private static ThreadPoolFloor Floor(int minWorkerThreads) =>
        new(Options.Create(new RealtimeOptions { MinWorkerThreads = minWorkerThreads }), NullLogger<ThreadPoolFloor>.Instance);
}
