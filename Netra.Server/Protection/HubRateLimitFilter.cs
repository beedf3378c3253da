using Microsoft.AspNetCore.SignalR;
using Netra.Contracts.Realtime;
using Netra.Server.Auth;

namespace Netra.Server.Protection;

/// <summary>
/// Per-user limits on hub calls, counted over all of the user's connections: <c>SendMessage</c>
/// against <see cref="LimitsOptions.MessagesPerMinute"/>, every other call against
/// <see cref="LimitsOptions.CallsPerMinute"/>. A refused call never reaches the hub, so it changes
/// nothing, and the connection stays open.
/// </summary>
internal sealed class HubRateLimitFilter(RateLimitGuard guard) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var context = invocationContext.Context;
        var userId = context.User!.GetUserId();
        if (invocationContext.HubMethodName == HubMethods.SendMessage)
        {
            await guard.EnsureMessageAsync(userId, context.ConnectionAborted);
        }
        else
        {
            await guard.EnsureCallAsync(userId, context.ConnectionAborted);
        }

        return await next(invocationContext);
    }
}
