using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Auth;

/// <summary>
/// A hub connection opened with a service token is checked against revocation every
/// <see cref="ServiceTokens.RevocationCacheSeconds"/> for as long as it is open, and closed once its token is
/// revoked: a connection only receives, so checking its calls alone would not stop it. Other connections are
/// not watched.
/// </summary>
internal sealed class ServiceTokenWatchFilter(ServiceTokens tokens, TimeProvider time, ILogger<ServiceTokenWatchFilter> logger) : IHubFilter
{
    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        await next(context);
        var connection = context.Context;
        if (connection.User?.IsInRole(NetraRoles.Service) == true)
        {
            var period = TimeSpan.FromSeconds(ServiceTokens.RevocationCacheSeconds);
            connection.Features.Set(new Watch(time.CreateTimer(_ => _ = CheckAsync(connection), null, period, period)));
        }
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        if (context.Context.Features.Get<Watch>() is { } watch)
        {
            context.Context.Features.Set<Watch>(null);
            await watch.Timer.DisposeAsync();
        }

        await next(context, exception);
    }

    private async Task CheckAsync(HubCallerContext connection)
    {
        try
        {
            if (await tokens.IsRevokedAsync(connection.User!, connection.ConnectionAborted))
            {
                AuthLog.RevokedConnectionClosed(logger, connection.ConnectionId, connection.UserIdentifier);
                connection.Abort();
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The connection stays open; the next check (one period later) tries again.
            AuthLog.RevocationCheckFailed(logger, connection.ConnectionId, exception);
        }
    }

    private sealed record Watch(ITimer Timer);
}
