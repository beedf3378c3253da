using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Netra.Server.Auth;
using Netra.Server.Metrics;
using Netra.Server.Protection;

namespace Netra.Server.Realtime;

/// <summary>
/// Netra's hub filters, given to SignalR as the singletons they are. Added by type instead (<c>AddFilter&lt;T&gt;</c>), SignalR
/// would look each one up in the connection's services and wrap it in an async step of its own for every call, connect and
/// disconnect: eight lookups and eight state machines each time.
/// </summary>
/// <remarks>
/// They run in this order: the opening of the handshake gate outermost (on connect only: the connection is registered once
/// the first filter runs, see <see cref="HandshakeGate"/>), call order (it must see calls as they arrive), metrics (every
/// call counted), errors next (so a refusal by a later filter gets its code too), then limits, the revocation watch on
/// service connections (connect and disconnect only), and innermost the wait for the call's turn (so that pipelined calls
/// are checked against the limits at once, not one after the other).
/// </remarks>
internal sealed class HubFilters(IServiceProvider services) : IConfigureOptions<HubOptions>
{
    public void Configure(HubOptions options)
    {
        options.AddFilter(new HandshakeGate.OpenFilter());
        options.AddFilter(services.GetRequiredService<CallOrderFilter>());
        options.AddFilter(services.GetRequiredService<HubMetricsFilter>());
        options.AddFilter(services.GetRequiredService<HubErrorFilter>());
        options.AddFilter(services.GetRequiredService<ConnectionLimitFilter>());
        options.AddFilter(services.GetRequiredService<HubRateLimitFilter>());
        options.AddFilter(services.GetRequiredService<ServiceTokenWatchFilter>());
        options.AddFilter(services.GetRequiredService<CallTurnFilter>());
    }

    /// <summary>
    /// For a filter whose own step did not complete at once: the call goes on after <paramref name="step"/> (or throws its
    /// failure). A filter whose step did complete returns <c>next(invocationContext)</c> itself, with no state machine.
    /// </summary>
    public static async ValueTask<object?> InvokeAfterAsync(
        Task step, HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        await step;
        return await next(invocationContext);
    }
}
