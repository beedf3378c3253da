namespace Netra.Server.Protection;

/// <summary>The answer of a rate-limit check: allowed, or refused until <see cref="RetryAfter"/> has passed.</summary>
internal readonly record struct RateLimitDecision(bool Allowed, TimeSpan RetryAfter)
{
    public static RateLimitDecision Allow => new(true, TimeSpan.Zero);
}
