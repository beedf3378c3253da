namespace Netra.Client;

/// <summary>Settings of a <see cref="NetraPublisher"/>.</summary>
public sealed class NetraPublisherOptions
{
    /// <summary>The server, e.g. <c>http://127.0.0.1:5080</c>. Taken from the <see cref="HttpClient"/> when it has a base address.</summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// Returns the backend's service token (<c>--issue-service-token NAME</c>, or <c>POST /api/admin/service-tokens</c>).
    /// Called for every request, so a rotated token is picked up without a new publisher.
    /// </summary>
    public Func<CancellationToken, ValueTask<string?>>? AccessTokenProvider { get; set; }

    /// <summary>
    /// How long one publish may wait, in all, for the backend's rate limit to let it through: a refusal with
    /// <c>RATE_LIMITED</c> stores nothing, so the publisher waits the <c>Retry-After</c> the server gave and sends again
    /// while that fits in this time. <see cref="TimeSpan.Zero"/>: never wait, throw at once. Default 60 s.
    /// </summary>
    public TimeSpan MaxRateLimitWait { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Attempts of one publish when the connection fails or the server answers 500, 502, 503 or 504 (default 3; 1: no
    /// retry). Every attempt carries the call's <c>Idempotency-Key</c>, so the server stores the call once however many
    /// attempts reach it.
    /// </summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Wait before the second attempt, doubled before each next one (default 500 ms).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}
