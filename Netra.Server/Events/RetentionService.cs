using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Server.Storage;

namespace Netra.Server.Events;

/// <summary>
/// Deletes channel events that their kind's retention no longer keeps, and publish idempotency keys older than a day, every
/// <see cref="EventsOptions.RetentionSweepSeconds"/>. Reads apply the same rules, so this only frees space.
/// Several nodes may sweep at once: the DELETEs are idempotent.
/// </summary>
internal sealed class RetentionService(ChannelEventStore store, IOptions<EventsOptions> options, ILogger<RetentionService> logger)
    : PeriodicSweep(TimeSpan.FromSeconds(options.Value.RetentionSweepSeconds))
{
    private static readonly ChannelKind[] Kinds = [ChannelKind.Feed, ChannelKind.Issues, ChannelKind.Issue, ChannelKind.Alerts, ChannelKind.Custom];

    protected override async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var kind in Kinds)
        {
            var removed = await store.TrimAsync(kind, options.Value.RetentionOf(kind), cancellationToken);
            if (removed > 0)
            {
                EventsLog.Trimmed(logger, removed, kind);
            }
        }

        await store.TrimPublishKeysAsync(cancellationToken);
    }

    protected override void SweepFailed(Exception exception) => EventsLog.TrimFailed(logger, options.Value.RetentionSweepSeconds, exception);
}
