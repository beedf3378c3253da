using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Realtime;

/// <summary>
/// Outermost hub filter: gives each call its <see cref="CallOrder.CallTurn"/> in its connection's <see cref="CallOrder"/>
/// as it arrives, and releases it when the call ends (a send releases earlier, once queued; the hub passes the turn on
/// through <see cref="NetraHub.Turn"/>). The call waits for the call before it in <see cref="CallTurnFilter"/>, the
/// innermost filter, so that the checks in between (rate limits, which may ask Redis) run for pipelined calls at once.
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
            if (invocationContext.Hub is NetraHub hub)
            {
                hub.Turn = turn;
            }
            else
            {
                await turn.WaitForPreviousAsync();
            }

            return await next(invocationContext);
        }
        finally
        {
            // A call refused before its turn came (by a limit) still passes the turn on in order: the call after it
            // must not start before the one before it ended. Once waited, this completes at once.
            await turn.WaitForPreviousAsync();
            turn.Release();
        }
    }

    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        context.Context.Features.Set(new CallOrder());
        return next(context);
    }
}
