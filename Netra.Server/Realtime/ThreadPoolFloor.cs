using Microsoft.Extensions.Options;

namespace Netra.Server.Realtime;

/// <summary>
/// Raises the thread pool's floor of worker threads to <see cref="RealtimeOptions.MinWorkerThreads"/> at
/// startup (never lowers it). The default floor is one thread per core; on a small machine a long broadcast
/// then holds up socket reads and database replies until the pool slowly adds threads, which shows as
/// tail latency. Process-wide, like the thread pool itself.
/// </summary>
internal sealed class ThreadPoolFloor(IOptions<RealtimeOptions> options, ILogger<ThreadPoolFloor> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        var floor = options.Value.MinWorkerThreads;
        if (workers < floor && ThreadPool.SetMinThreads(floor, completionPorts))
        {
            RealtimeLog.ThreadPoolFloorRaised(logger, workers, floor);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
