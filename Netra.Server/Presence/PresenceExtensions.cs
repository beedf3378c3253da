using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Netra.Contracts.Realtime;
using Netra.Server.Configuration;
using Netra.Server.Errors;
using Netra.Server.Storage;

namespace Netra.Server.Presence;

internal static class PresenceExtensions
{
    /// <summary>Presence in Redis with a heartbeat per node when scaled out (<c>ConnectionStrings:Redis</c>), else in memory.</summary>
    public static WebApplicationBuilder AddNetraPresence(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<PresenceOptions>(PresenceOptions.SectionName)
            .Validate(options => options.NodeTimeoutSeconds >= 2 * options.HeartbeatSeconds,
                $"{PresenceOptions.SectionName}:NodeTimeoutSeconds must be at least twice {PresenceOptions.SectionName}:HeartbeatSeconds, or a live node could be taken for dead.")
            .Validate(options => options.StopGraceSeconds <= options.NodeTimeoutSeconds,
                $"{PresenceOptions.SectionName}:StopGraceSeconds must be at most {PresenceOptions.SectionName}:NodeTimeoutSeconds: a stopped node's users would stay online longer than a killed node's.");
        builder.Services.AddSingleton<PresenceService>();
        builder.Services.AddSingleton<LastSeenWriter>();
        builder.Services.PostConfigure<StorageOptions>(storage => storage.WriterLoops++); // LastSeenWriter's loop
        builder.Services.AddHostedService(services => services.GetRequiredService<LastSeenWriter>());
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Redis")))
        {
            builder.Services.AddSingleton<IPresenceStore, LocalPresenceStore>();
        }
        else
        {
            builder.Services.AddSingleton<RedisPresenceStore>();
            builder.Services.AddSingleton<IPresenceStore>(services => services.GetRequiredService<RedisPresenceStore>());
            builder.Services.AddHostedService<PresenceMonitor>();
        }

        return builder;
    }

    /// <summary>
    /// <c>GET /api/presence?afterUserId=&amp;limit=</c>: who is online, a page at a time by user id;
    /// <c>?userIds=1,2,3</c>: those users, online or not, with when they were last seen.
    /// </summary>
    public static RouteGroupBuilder MapPresence(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/presence").WithTags("Presence").RequireAuthorization();
        group.MapGet("/", async Task<Ok<IReadOnlyList<PresenceChangedEvent>>> (
            string? userIds, long? afterUserId, int? limit, PresenceService presence, CancellationToken cancellationToken) =>
        {
            var ids = ParseIds(userIds);
            if (ids is not null && (afterUserId is not null || limit is not null))
            {
                throw ProblemException.Validation("userIds reads those users; afterUserId and limit page through who is online: not both.");
            }

            return TypedResults.Ok(ids is not null
                ? await presence.GetAsync(ids, cancellationToken)
                : await presence.GetOnlineAsync(afterUserId ?? 0, limit ?? PresenceService.DefaultPageSize, cancellationToken));
        });
        return group;
    }

    private static List<long>? ParseIds(string? userIds)
    {
        if (string.IsNullOrWhiteSpace(userIds))
        {
            return null;
        }

        var ids = new List<long>();
        foreach (var part in userIds.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0 || ids.Count >= PresenceService.MaxUserIds)
            {
                throw ProblemException.Validation($"userIds must be up to {PresenceService.MaxUserIds} positive user ids separated by commas.");
            }

            ids.Add(id);
        }

        return ids;
    }
}
