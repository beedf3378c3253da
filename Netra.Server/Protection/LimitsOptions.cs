using System.ComponentModel.DataAnnotations;

namespace Netra.Server.Protection;

/// <summary>Limits that protect a node (<c>Netra__Limits__*</c>), reported by <c>/ws/config</c>.</summary>
internal sealed class LimitsOptions
{
    public const string SectionName = "Netra:Limits";

    /// <summary>SendMessage calls per user per minute.</summary>
    [Range(1, 1_000_000)]
    public int MessagesPerMinute { get; set; } = 60;

    /// <summary>Other hub calls, and REST writes (POST, PUT, PATCH, DELETE) of the user API, per user per minute.</summary>
    [Range(1, 1_000_000)]
    public int CallsPerMinute { get; set; } = 600;

    [Range(1, 10_000)]
    public int MaxConnectionsPerUser { get; set; } = 5;

    /// <summary>Channels one connection may follow at once; each is a group on the node (and a Redis channel when scaled out).</summary>
    [Range(1, 100_000)]
    public int MaxSubscriptionsPerConnection { get; set; } = 1000;

    [Range(1, 1_000_000)]
    public int MaxConnectionsPerNode { get; set; } = 10_000;

    /// <summary>Largest incoming hub frame; a larger one closes that connection (SignalR's behaviour).</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 10_240;

    [Range(1, 1_000_000)]
    public int ConnectAttemptsPerMinutePerIp { get; set; } = 600;

    [Range(1, 1_000_000)]
    public int LoginAttemptsPerMinute { get; set; } = 10;

    /// <summary>Accounts registered per client IP per minute.</summary>
    [Range(1, 1_000_000)]
    public int RegistrationsPerMinutePerIp { get; set; } = 10;

    /// <summary>
    /// Publish calls per service (token subject) per minute: <c>/api/publish</c>, <c>/api/issues/{id}/events</c>,
    /// <c>/api/alerts</c> and <c>/api/agent-runs/{id}/events</c>. Each can reach every subscriber of a channel.
    /// </summary>
    [Range(1, 1_000_000)]
    public int PublishesPerMinutePerService { get; set; } = 6000;

    /// <summary>Calls of <c>POST /api/publish/batch</c> per service per minute, a budget apart from single publishes.</summary>
    [Range(1, 1_000_000)]
    public int BatchPublishesPerMinutePerService { get; set; } = 60;
}
