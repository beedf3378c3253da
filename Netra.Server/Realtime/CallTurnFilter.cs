using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Realtime;

/// <summary>Innermost hub filter: the call waits here until the call before it released its turn (<see cref="CallOrderFilter"/>).</summary>
internal sealed class CallTurnFilter : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (invocationContext.Hub is NetraHub { Turn: { } turn })
        {
            await turn.WaitForPreviousAsync();
        }

        return await next(invocationContext);
    }
}
