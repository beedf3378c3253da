namespace Netra.Server.Metrics;

/// <summary>The body of <c>GET /api/admin/stats</c>: this node's figures since it started.</summary>
internal sealed record StatsSnapshot(string Node, DateTimeOffset StartedAt, long ActiveConnections, IReadOnlyDictionary<string, long> Totals);
