using Microsoft.Extensions.Options;
using Netra.Contracts;

namespace Netra.Server.Events;

/// <summary>
/// Deletes channel events that their kind's retention no longer keeps, every
/// <see cref="EventsOptions.RetentionSweepSeconds"/>. Reads apply the same rules, so this only frees space.
/// Several nodes may sweep at once: the DELETEs are idempotent.
/// </summary>
internal sealed class RetentionService(ChannelEventStore store, IOptions<EventsOptions> options, ILogger<RetentionService> logger) : BackgroundService
{
    private static readonly ChannelKind[] Kinds = [ChannelKind.Feed, ChannelKind.Issues, ChannelKind.Issue, ChannelKind.Alerts, ChannelKind.Custom];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.RetentionSweepSeconds);
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var kind in Kinds)
                {
                    var removed = await store.TrimAsync(kind, options.Value.RetentionOf(kind), stoppingToken);
                    if (removed > 0)
                    {
                        EventsLog.Trimmed(logger, removed, kind);
                    }
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                EventsLog.TrimFailed(logger, options.Value.RetentionSweepSeconds, exception);
            }
        }
    }
}
