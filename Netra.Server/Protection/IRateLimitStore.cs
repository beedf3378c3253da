namespace Netra.Server.Protection;

/// <summary>
/// Sliding-window counters: at most <c>limit</c> acquisitions of one key within any <c>window</c>.
/// Only allowed acquisitions count, so a client that keeps hammering is let in again as soon as
/// its oldest counted call leaves the window.
/// </summary>
internal interface IRateLimitStore
{
    ValueTask<RateLimitDecision> TryAcquireAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken);
}
