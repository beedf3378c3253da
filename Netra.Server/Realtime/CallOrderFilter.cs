using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Realtime;

/// <summary>
/// Outermost hub filter: gives each call its <see cref="CallOrder.CallTurn"/> in its connection's <see cref="CallOrder"/>
/// as it arrives, runs it once the call before it released its turn, and releases its own when it ends
/// (a send releases earlier, once queued; the hub passes the turn on through <see cref="NetraHub.Turn"/>).
/// </summary>
internal sealed class CallOrderFilter : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var order = invocationContext.Context.Features.Get<CallOrder>()
            ?? throw new InvalidOperationException("The connection has no call order; CallOrderFilter.OnConnectedAsync sets it.");
        var turn = order.Next();
        try
        {
            await turn.WaitForPreviousAsync();
            if (invocationContext.Hub is NetraHub hub)
            {
                hub.Turn = turn;
            }

            return await next(invocationContext);
        }
        finally
        {
            turn.Release();
        }
    }

    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        context.Context.Features.Set(new CallOrder());
        return next(context);
    }
}
