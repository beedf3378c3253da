using Microsoft.AspNetCore.SignalR;
using Netra.Contracts.Realtime;
using Netra.Server.Auth;
using Netra.Server.Realtime;

namespace Netra.Server.Protection;

/// <summary>
/// Per-user limits on hub calls, counted over all of the user's connections: <c>SendMessage</c>
/// against <see cref="LimitsOptions.MessagesPerMinute"/>, every other call against
/// <see cref="LimitsOptions.CallsPerMinute"/>. A refused call never reaches the hub, so it changes
/// nothing, and the connection stays open.
/// </summary>
internal sealed class HubRateLimitFilter(RateLimitGuard guard) : IHubFilter
{
    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var context = invocationContext.Context;
        var userId = context.User!.GetUserId();
        var check = invocationContext.HubMethodName == HubMethods.SendMessage
            ? guard.EnsureMessageAsync(userId, context.ConnectionAborted)
            : guard.EnsureCallAsync(userId, context.ConnectionAborted);

        // Counted in this node's memory, the check is done already and the call goes straight on, without a state
        // machine kept for the call's length; counted in Redis, or refused, it is awaited (and throws).
        return check.IsCompletedSuccessfully ? next(invocationContext) : HubFilters.InvokeAfterAsync(check, invocationContext, next);
    }
}
