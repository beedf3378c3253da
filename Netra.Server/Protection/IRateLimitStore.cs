namespace Netra.Server.Protection;

/// <summary>
/// Sliding-window counters: at most <c>limit</c> acquisitions of one key within any <c>window</c>.
/// Only allowed acquisitions count, so a client that keeps hammering is let in again as soon as
/// its oldest counted calls leave the window.
/// </summary>
/// <remarks>
/// Calls are counted per slice, a <see cref="SlicesPerWindow"/>th of the window (a second of a minute), and a slice's
/// calls count until one window after the slice ends. A key so holds at most <see cref="SlicesPerWindow"/> + 1 counts
/// however high its limit (a log of every call's time would hold as many entries as the limit), no window ever holds
/// more than the limit, and a refusal lasts at most one slice longer than an exact log's would.
/// </remarks>
internal interface IRateLimitStore
{
    public const int SlicesPerWindow = 60;

    ValueTask<RateLimitDecision> TryAcquireAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken);
}
