using System.Net.Http.Headers;
using System.Text.Json;

namespace Netra.Bench;

/// <summary>
/// Netra's own account of its garbage collector (the <c>gc</c> part of <c>GET /api/admin/stats</c>), read from every node
/// when a window starts and when it ends, so that each window says how long GC pauses held each node in it: the first
/// thing a latency tail on these one-core servers shows (docs/benchmarks.md). The peers publish no such figure.
/// </summary>
public static class ServerGc
{
    /// <summary>The user the stats token names; the endpoint checks the token's role, not the user.</summary>
    private const long StatsUserId = 3_990_000;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>
    /// One node's total GC pause time (ms), collections (every generation's count as gen0's) and collections of gen1 or
    /// gen2 since it started.
    /// </summary>
    public sealed record Reading(double PauseMs, int Collections, int Gen1Collections);

    /// <summary>Each node's reading, in the order of <see cref="Target.Nodes"/>; null for a peer, or a Netra target given no signing key.</summary>
    public static async Task<Reading[]?> ReadAsync(Target target, CancellationToken cancellationToken)
    {
        if (!target.IsNetra || target.SigningKey is null)
        {
            return null;
        }

        var token = Tokens.Create(target.SigningKey, StatsUserId, role: "admin");
        return await Task.WhenAll(target.Nodes.Select(async node =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node, "/api/admin/stats"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (target.Origin is { } origin)
            {
                request.Headers.Add("Origin", origin);
            }

            using var response = await Http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var stats = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            var gc = stats.RootElement.GetProperty("gc");
            return new Reading(gc.GetProperty("pauseMs").GetDouble(), gc.GetProperty("gen0Collections").GetInt32(), gc.GetProperty("gen1Collections").GetInt32());
        }));
    }

    /// <summary>Each node's pause time (ms) and collections between two readings; empty where there were none.</summary>
    public static (double PauseMs, int Collections)[] Between(Reading[]? before, Reading[]? after) =>
        before is null || after is null
            ? []
            : [.. before.Zip(after, (b, a) => (a.PauseMs - b.PauseMs, a.Collections - b.Collections))];
}
