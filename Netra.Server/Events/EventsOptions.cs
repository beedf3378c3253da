using System.ComponentModel.DataAnnotations;
using Netra.Contracts;

namespace Netra.Server.Events;

/// <summary>Durable events of non-chat channels (<c>Netra__Events__*</c>). Chats keep every message.</summary>
internal sealed class EventsOptions
{
    public const string SectionName = "Netra:Events";

    /// <summary>
    /// Per channel kind (feed, issues, issue, alerts, custom), e.g. <c>Netra__Events__Retention__alerts__MaxEvents</c>.
    /// A kind not listed keeps the default: 10,000 events and 24 hours.
    /// </summary>
    public Dictionary<string, RetentionPolicy> Retention { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How often the retention job deletes what is no longer kept.</summary>
    [Range(1, 86_400)]
    public int RetentionSweepSeconds { get; set; } = 300;

    /// <summary>Most missed events a subscribe replays; beyond that it answers recovered: false.</summary>
    [Range(1, 10_000)]
    public int MaxReplay { get; set; } = 1000;

    /// <summary>Most events one history page returns.</summary>
    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 200;

    /// <summary>
    /// Application channels <c>POST /api/publish</c> may publish to and signed-in users may subscribe to:
    /// exact names (<c>news</c>) or prefixes ending in <c>:*</c> (<c>app:*</c> matches <c>app:builds</c>).
    /// </summary>
    public string[] PublishChannels { get; set; } = ["app:*"];

    /// <summary>Largest JSON payload one published event may carry, in bytes.</summary>
    [Range(1, 1_000_000)]
    public int MaxPayloadBytes { get; set; } = 8192;

    /// <summary>Most events one <c>POST /api/publish/batch</c> may carry.</summary>
    [Range(1, 1000)]
    public int MaxBatchEvents { get; set; } = 100;

    public RetentionPolicy RetentionOf(ChannelKind kind) =>
        Retention.TryGetValue(RetentionPolicy.KindKey(kind), out var policy) ? policy : new RetentionPolicy();
}
