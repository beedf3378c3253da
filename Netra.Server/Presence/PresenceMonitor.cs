using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Netra.Server.Backplane;
using Netra.Server.Realtime;
using StackExchange.Redis;

namespace Netra.Server.Presence;

/// <summary>
/// Scaled out, every <see cref="PresenceOptions.HeartbeatSeconds"/>: renews this node's heartbeat; writes its
/// connections again when the heartbeat had expired or a change was lost to a Redis failure; and takes the
/// users of nodes whose heartbeat expired (killed, frozen, cut off) out of presence, announcing them offline. Stopping,
/// it lets this node's heartbeat expire after <see cref="PresenceOptions.StopGraceSeconds"/>, so that the other nodes
/// sweep its connections then, whose users did not reconnect elsewhere.
/// </summary>
internal sealed class PresenceMonitor(
    RedisPresenceStore store,
    PresenceService presence,
    HubLifetimeManager<NetraHub> manager,
    IOptions<PresenceOptions> options,
    ILogger<PresenceMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.HeartbeatSeconds));
        do
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                PresenceLog.HeartbeatFailed(logger, options.Value.HeartbeatSeconds, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var grace = TimeSpan.FromSeconds(options.Value.StopGraceSeconds);
        try
        {
            await store.ExpireHeartbeatAsync(grace, cancellationToken);
            PresenceLog.Leaving(logger, options.Value.StopGraceSeconds);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or OperationCanceledException)
        {
            PresenceLog.LeaveFailed(logger, options.Value.NodeTimeoutSeconds, exception);
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var alive = await store.HeartbeatAsync(cancellationToken);
        var local = LocalConnections();
        if ((!alive && local.Count > 0) || store.NeedsResync)
        {
            PresenceLog.Resyncing(logger, local.Count);
            // The store reads the connections again once it records the changes made meanwhile (RedisPresenceStore.ResyncAsync).
            var changes = await store.ResyncAsync(LocalConnections, cancellationToken);
            await Task.WhenAll(changes.Select(presence.AnnounceAsync));
        }

        var offline = await store.SweepDeadNodesAsync(cancellationToken);
        if (offline.Count > 0)
        {
            PresenceLog.DeadNodeSwept(logger, offline.Count);
            await Task.WhenAll(offline.Select(presence.AnnounceAsync));
        }
    }

    private IReadOnlyList<(string ConnectionId, string UserId)> LocalConnections() =>
        manager is NetraHubLifetimeManager<NetraHub> netra ? netra.LocalUserConnections() : [];
}
