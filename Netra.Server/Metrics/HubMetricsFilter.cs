using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Metrics;

/// <summary>Counts connections and calls as SignalR sees them, so the figures include refused calls.</summary>
internal sealed class HubMetricsFilter(NetraMetrics metrics) : IHubFilter
{
    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        metrics.Invoked(invocationContext.HubMethodName);
        return next(invocationContext);
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        await next(context);
        metrics.ConnectionOpened();
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception);
        }
        finally
        {
            metrics.ConnectionClosed(exception is not null);
        }
    }
}
