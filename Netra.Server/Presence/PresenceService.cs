using Microsoft.AspNetCore.SignalR;
using Netra.Contracts;
using Netra.Contracts.Realtime;
using Netra.Server.Auth;
using Netra.Server.Errors;
using Netra.Server.Realtime;

namespace Netra.Server.Presence;

/// <summary>
/// A user's presence from their connections: <c>PresenceChanged</c> on the <c>presence</c> channel once when
/// their first connection anywhere opens and once when the last one closes, <c>lastSeenAt</c> kept in
/// PostgreSQL, and <c>away</c> when the user says so. Ephemeral: no seq, never replayed.
/// </summary>
internal sealed class PresenceService(
    IPresenceStore store,
    UserStore users,
    LastSeenWriter lastSeen,
    IHubContext<NetraHub, INetraClient> hub,
    TimeProvider time,
    ILogger<PresenceService> logger)
{
    public const int MaxUserIds = 200;

    /// <summary>Online users in a page of <c>GET /api/presence</c> when no limit is given.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>Most online users in a page of <c>GET /api/presence</c>.</summary>
    public const int MaxPageSize = 1000;

    public async Task ConnectedAsync(long userId, string connectionId, CancellationToken cancellationToken)
    {
        if (await store.AddConnectionAsync(userId, connectionId, cancellationToken) is { } version)
        {
            // Not cancelled when the connection closes meanwhile: its disconnect, which runs after this, announces the change back.
            await AnnounceAsync(new PresenceChange(userId, Online: true, version));
        }
    }

    public async Task DisconnectedAsync(long userId, string connectionId)
    {
        if (await store.RemoveConnectionAsync(userId, connectionId) is { } version)
        {
            await AnnounceAsync(new PresenceChange(userId, Online: false, version));
        }
    }

    public async Task SetStatusAsync(long userId, string? status, CancellationToken cancellationToken)
    {
        if (status is not (PresenceStatus.Online or PresenceStatus.Away))
        {
            throw ProblemException.Validation($"status must be '{PresenceStatus.Online}' or '{PresenceStatus.Away}'.");
        }

        if (await store.SetStatusAsync(userId, status, cancellationToken) is { } version)
        {
            await BroadcastAsync((await users.GetPresenceInfoAsync([userId], cancellationToken)).SingleOrDefault(), status, version);
        }
    }

    /// <summary>
    /// Those users, online or not; every entry has the version of the presence read, so a client that already holds a
    /// later change of a user keeps it.
    /// </summary>
    public async Task<IReadOnlyList<PresenceChangedEvent>> GetAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        if (userIds.Count > MaxUserIds)
        {
            throw ProblemException.Validation($"At most {MaxUserIds} userIds at a time.");
        }

        var (version, online) = await store.GetOnlineAsync(cancellationToken);
        return await DescribeAsync(userIds.Distinct().ToList(), version, online, cancellationToken);
    }

    /// <summary>
    /// Who is online, by ascending user id: at most <paramref name="limit"/> after <paramref name="afterUserId"/>, so that a
    /// large deployment's online list is read a page at a time rather than in one answer. Entries carry the read's version.
    /// </summary>
    public async Task<IReadOnlyList<PresenceChangedEvent>> GetOnlineAsync(long afterUserId, int limit, CancellationToken cancellationToken)
    {
        if (afterUserId < 0 || limit is < 1 or > MaxPageSize)
        {
            throw ProblemException.Validation($"afterUserId must be 0 or more, and limit between 1 and {MaxPageSize}.");
        }

        var (version, online) = await store.GetOnlineAsync(cancellationToken);
        var page = online.Keys.Where(id => id > afterUserId).Order().Take(limit).ToList();
        return await DescribeAsync(page, version, online, cancellationToken);
    }

    private async Task<IReadOnlyList<PresenceChangedEvent>> DescribeAsync(
        List<long> ids, long version, IReadOnlyDictionary<long, string> online, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return (await users.GetPresenceInfoAsync(ids, cancellationToken))
            .Select(user => online.TryGetValue(user.Id, out var status)
                ? new PresenceChangedEvent(user.Id, user.DisplayName, true, status, now, version)
                : new PresenceChangedEvent(user.Id, user.DisplayName, false, PresenceStatus.Offline, user.LastSeenAt, version))
            .OrderBy(presence => presence.UserId)
            .ToList();
    }

    /// <summary>
    /// Records and announces that a user came online or went offline (decided by the store, once, with the change's
    /// version). Announcements started together share one last-seen write, and may go out in any order: the version
    /// tells clients which is the later.
    /// </summary>
    public async Task AnnounceAsync(PresenceChange change)
    {
        try
        {
            // The write returns what the announcement shows.
            var user = await lastSeen.SetAsync(change.UserId, change.LastSeen ?? time.GetUtcNow());
            await BroadcastAsync(user, change.Online ? PresenceStatus.Online : PresenceStatus.Offline, change.Version);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The user's connection is served either way; subscribers see the next change.
            PresenceLog.AnnounceFailed(logger, change.UserId, exception);
        }
    }

    private async Task BroadcastAsync(PresenceInfo? user, string status, long version)
    {
        if (user is null)
        {
            return;
        }

        PresenceLog.Changed(logger, user.Id, status, version);
        await hub.Clients.Group(Channels.Presence).PresenceChanged(
            new PresenceChangedEvent(user.Id, user.DisplayName, status != PresenceStatus.Offline, status, user.LastSeenAt, version));
    }
}
