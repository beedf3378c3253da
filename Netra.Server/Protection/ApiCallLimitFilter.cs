using Netra.Server.Auth;

namespace Netra.Server.Protection;

/// <summary>
/// Counts a signed-in caller's writes (POST, PUT, PATCH, DELETE) against one of <see cref="RateLimitGuard"/>'s budgets: a
/// user's against <see cref="LimitsOptions.CallsPerMinute"/>, the budget their hub calls other than <c>SendMessage</c> draw
/// on, so that the API is no way around the hub's limit; a service's publishes against their own. Refused, the request
/// gets 429 <c>RATE_LIMITED</c> with <c>Retry-After</c> before its handler runs (an upload's body is not read). Reads are
/// not counted.
/// </summary>
internal sealed class ApiCallLimitFilter(Func<RateLimitGuard, long, CancellationToken, Task> ensure) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var method = http.Request.Method;
        if ((HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method))
            && http.User.TryGetUserId(out var callerId))
        {
            await ensure(http.RequestServices.GetRequiredService<RateLimitGuard>(), callerId, http.RequestAborted);
        }

        return await next(context);
    }
}
