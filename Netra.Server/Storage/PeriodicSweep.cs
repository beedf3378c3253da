namespace Netra.Server.Storage;

/// <summary>
/// A background job that runs <see cref="SweepAsync"/> every <c>interval</c>, the first time one interval after
/// start. A failed sweep goes to <see cref="SweepFailed"/> (to log it) and the next one runs on time; only stopping
/// the host ends the loop.
/// </summary>
internal abstract class PeriodicSweep(TimeSpan interval) : BackgroundService
{
    protected abstract Task SweepAsync(CancellationToken cancellationToken);

    protected abstract void SweepFailed(Exception exception);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                SweepFailed(exception);
            }
        }
    }
}
