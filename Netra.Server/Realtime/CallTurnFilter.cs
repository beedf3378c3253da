using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Realtime;

/// <summary>Innermost hub filter: the call waits here until the call before it released its turn (<see cref="CallOrderFilter"/>).</summary>
internal sealed class CallTurnFilter : IHubFilter
{
    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (invocationContext.Hub is NetraHub { Turn: { } turn })
        {
            var previous = turn.WaitForPreviousAsync();
            if (!previous.IsCompletedSuccessfully)
            {
                return HubFilters.InvokeAfterAsync(previous, invocationContext, next);
            }
        }

        // Most calls find their turn free: they go straight on, without a state machine kept for the call's length.
        return next(invocationContext);
    }
}
