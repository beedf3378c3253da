using System.ComponentModel.DataAnnotations;
using Netra.Contracts;

namespace Netra.Server.Events;

/// <summary>How much of a channel kind's history is kept: the newest <see cref="MaxEvents"/>, none older than <see cref="MaxAgeHours"/>.</summary>
internal sealed class RetentionPolicy
{
    [Range(1, 10_000_000)]
    public int MaxEvents { get; set; } = 10_000;

    [Range(1, 24 * 366)]
    public int MaxAgeHours { get; set; } = 24;

    /// <summary>The kind's name in configuration and in <c>channel_heads.kind</c>.</summary>
    public static string KindKey(ChannelKind kind) => kind switch
    {
        ChannelKind.Feed => "feed",
        ChannelKind.Issues => "issues",
        ChannelKind.Issue => "issue",
        ChannelKind.Alerts => "alerts",
        ChannelKind.Custom => "custom",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only non-chat channels with history have a retention policy."),
    };
}
