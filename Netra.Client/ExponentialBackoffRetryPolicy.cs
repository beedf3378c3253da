using Microsoft.AspNetCore.SignalR.Client;

namespace Netra.Client;

/// <summary>
/// Reconnect delays that double from <see cref="BaseDelay"/> up to <see cref="MaxDelay"/>, with full jitter
/// (each delay is drawn uniformly between zero and the exponential value, so that clients dropped together
/// do not come back together), and an optional limit on the number of attempts.
/// </summary>
/// <remarks>
/// Defaults: base 1 s, cap 30 s, full jitter, no limit. Attempt n (0-based) waits
/// <c>random(0, min(MaxDelay, BaseDelay * 2^n))</c>, or exactly that bound without jitter.
/// </remarks>
public sealed class ExponentialBackoffRetryPolicy : IRetryPolicy
{
    // 2^30 seconds is far beyond any sensible cap; stops the doubling before it overflows.
    private const int MaxDoublings = 30;

    private readonly Random random;

    public ExponentialBackoffRetryPolicy()
        : this(Random.Shared)
    {
    }

    /// <summary>Uses <paramref name="random"/> for the jitter (a seeded one makes the delays reproducible).</summary>
    public ExponentialBackoffRetryPolicy(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        this.random = random;
    }

    /// <summary>The first delay's upper bound. Default 1 second.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>No delay is longer than this. Default 30 seconds.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many reconnect attempts before giving up; null (the default) never gives up.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>Full jitter (the default) or exact exponential delays.</summary>
    public bool Jitter { get; init; } = true;

    /// <summary>Seed 003's schedule: 1, 2, 4, 8 and 16 seconds, no jitter, then stop.</summary>
    public static ExponentialBackoffRetryPolicy Seed003() => new()
    {
        BaseDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(30),
        MaxAttempts = 5,
        Jitter = false,
    };

    /// <inheritdoc />
    public TimeSpan? NextRetryDelay(RetryContext retryContext)
    {
        ArgumentNullException.ThrowIfNull(retryContext);
        return NextDelay(retryContext.PreviousRetryCount);
    }

    /// <summary>The delay before attempt <paramref name="previousAttempts"/> + 1, or null to stop.</summary>
    public TimeSpan? NextDelay(long previousAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(previousAttempts);
        if (MaxAttempts is { } max && previousAttempts >= max)
        {
            return null;
        }

        var doublings = (int)Math.Min(previousAttempts, MaxDoublings);
        var bound = Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * (double)(1L << doublings));
        var ticks = Jitter ? random.NextDouble() * bound : bound;
        return TimeSpan.FromTicks((long)ticks);
    }
}
