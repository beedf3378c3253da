using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Contracts.Realtime;
using Netra.Server.Metrics;
using Netra.Server.Realtime;

namespace Netra.Server.Protection;

/// <summary>
/// Refuses a connection beyond <see cref="LimitsOptions.MaxConnectionsPerUser"/> or
/// <see cref="LimitsOptions.MaxConnectionsPerNode"/>: the client first gets an <c>Error</c> event
/// with code <c>CONNECTION_LIMIT</c>, then the server closes the connection with the same message
/// and without allowing automatic reconnect. The new connection is refused rather than the oldest
/// closed: a leaked token must not be able to push the real user out, and an app that opens one
/// tab too many learns why at once.
/// </summary>
internal sealed class ConnectionLimitFilter(
    IConnectionCounter counter,
    IOptions<LimitsOptions> limits,
    NetraMetrics metrics,
    TimeProvider time,
    ILogger<ConnectionLimitFilter> logger) : IHubFilter
{
    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var connection = context.Context;
        var userId = connection.UserIdentifier!;
        var refusal = await counter.TryAddAsync(
            userId, connection.ConnectionId, limits.Value.MaxConnectionsPerUser, limits.Value.MaxConnectionsPerNode, connection.ConnectionAborted);
        if (refusal is not null)
        {
            ProtectionLog.ConnectionRefused(logger, connection.ConnectionId, userId, refusal);
            metrics.Error(ErrorCodes.ConnectionLimit);
            await context.Hub.Clients.Caller.SendAsync(
                nameof(INetraClient.Error),
                new ErrorEvent(ErrorCodes.ConnectionLimit, refusal, Recoverable: false, "Close another connection of this user, then connect again.", time.GetUtcNow()),
                connection.ConnectionAborted);
            throw new HubException($"{ErrorCodes.ConnectionLimit}: {refusal}.");
        }

        try
        {
            await next(context);
        }
        catch
        {
            await counter.RemoveAsync(userId, connection.ConnectionId);
            throw;
        }

        // A feature, not connection.Items: Items is a ConcurrentDictionary created on first use, about 0.5 KiB per connection.
        connection.Features.Set(Counted.Instance);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception);
        }
        finally
        {
            if (context.Context.Features.Get<Counted>() is not null)
            {
                context.Context.Features.Set<Counted>(null);
                await counter.RemoveAsync(context.Context.UserIdentifier!, context.Context.ConnectionId);
            }
        }
    }

    /// <summary>Marks a connection that holds a place in the counts (set once it passed every connect filter).</summary>
    private sealed class Counted
    {
        public static readonly Counted Instance = new();
    }
}
