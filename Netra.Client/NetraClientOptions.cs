using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;

namespace Netra.Client;

/// <summary>Settings of a <see cref="NetraClient"/>.</summary>
public sealed class NetraClientOptions
{
    /// <summary>
    /// The server, e.g. <c>http://127.0.0.1:5080</c> (the hub path <c>/ws</c> is added), or the hub URL
    /// itself (<c>http://127.0.0.1:5080/ws</c>). http, https, ws or wss.
    /// </summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// Returns the access token (the <c>accessToken</c> of <c>POST /api/auth/login</c>). Called on every
    /// connection attempt, reconnects included, so it can hand out a fresh token when the old one expired.
    /// </summary>
    public Func<CancellationToken, ValueTask<string?>>? AccessTokenProvider { get; set; }

    /// <summary>
    /// When and how often to reconnect after a dropped connection. Default:
    /// <see cref="ExponentialBackoffRetryPolicy"/> (full jitter, 1 s base, 30 s cap, never gives up).
    /// </summary>
    public IRetryPolicy RetryPolicy { get; set; } = new ExponentialBackoffRetryPolicy();

    /// <summary>How many sends may wait while reconnecting; one more fails with <c>CLIENT_QUEUE_FULL</c>. Default 100.</summary>
    public int OfflineQueueCapacity { get; set; } = 100;

    /// <summary>Where the client and its transport log; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Opens the WebSocket directly, without SignalR's negotiate request (the default): one round trip less per
    /// connect, no sticky sessions needed behind a load balancer (negotiate and the WebSocket could otherwise reach
    /// different nodes), and a Netra server serves the connection with its own WebSocket transport, which keeps about 40 %
    /// less memory per connection. A refused token is a 401 either way. False negotiates first, as SignalR's own
    /// client does (for a server that redirects in its negotiate answer, such as a SignalR service).
    /// </summary>
    public bool SkipNegotiation { get; set; } = true;

    /// <summary>
    /// How long a chat's messages wait for a missing seq before the client asks the server for it (by
    /// re-subscribing from the last seq delivered). Messages are always delivered in seq order.
    /// </summary>
    public TimeSpan GapTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// When a channel's re-subscribe (after a reconnect, or to fill a gap) is refused for now (<c>INTERNAL</c> while the
    /// server's database is down, <c>RATE_LIMITED</c>, any code but <c>FORBIDDEN</c>, <c>NOT_FOUND</c>,
    /// <c>VALIDATION_FAILED</c> and <c>UNAUTHORIZED</c>, which drop the channel), the channel is kept with its last seq
    /// and re-subscribed after this policy's delay, or after the server's "retry in N s" if that is later; the next
    /// reconnect re-subscribes it too. A null delay stops retrying until then. Default:
    /// <see cref="ExponentialBackoffRetryPolicy"/> (full jitter, 1 s base, 30 s cap, never gives up).
    /// </summary>
    public IRetryPolicy ResubscribeRetryPolicy { get; set; } = new ExponentialBackoffRetryPolicy();
}
