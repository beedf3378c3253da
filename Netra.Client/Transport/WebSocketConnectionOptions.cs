using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections;

namespace Netra.Client.Transport;

/// <summary>
/// Options for <see cref="WebSocketConnectionFactory"/>. The names are those of the official
/// <c>Microsoft.AspNetCore.Http.Connections.Client.HttpConnectionOptions</c> where they apply, so that
/// configuration code written for one compiles against the other.
/// </summary>
public sealed class WebSocketConnectionOptions
{
    private IDictionary<string, string> _headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    private HttpTransportType _transports = HttpTransportType.WebSockets;
    private TimeSpan _closeTimeout = TimeSpan.FromSeconds(5);
    private long _transportMaxBufferSize = 1024 * 1024;
    private long _applicationMaxBufferSize = 1024 * 1024;

    /// <summary>The hub URL, e.g. <c>http://127.0.0.1:5080/ws</c> (http, https, ws or wss).</summary>
    private long _maximumReceiveMessageSize = 16 * 1024 * 1024;

    public Uri? Url { get; set; }

    /// <summary>
    /// Called once per connection attempt (so also on every reconnect). A non-empty result is sent as
    /// <c>Authorization: Bearer</c> on the negotiate request and on the WebSocket handshake.
    /// </summary>
    public Func<Task<string?>>? AccessTokenProvider { get; set; }

    /// <summary>Connect the WebSocket directly, without the negotiate request. Default false.</summary>
    public bool SkipNegotiation { get; set; }

    /// <summary>Headers sent with the negotiate request and the WebSocket handshake.</summary>
    public IDictionary<string, string> Headers
    {
        get => _headers;
        set => _headers = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// How long closing waits for the other side: for the server's close frame after ours, and for
    /// pending sends. After it the socket is aborted. Default 5 seconds.
    /// </summary>
    public TimeSpan CloseTimeout
    {
        get => _closeTimeout;
        set
        {
            if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The close timeout must be zero or more, or infinite.");
            }

            _closeTimeout = value;
        }
    }

    /// <summary>
    /// Applied to the <see cref="ClientWebSocketOptions"/> after the headers and the access token,
    /// e.g. for a proxy, client certificates or keep-alive settings.
    /// </summary>
    public Action<ClientWebSocketOptions>? WebSocketConfiguration { get; set; }

    /// <summary>
    /// Wraps or replaces the handler used for the negotiate request (not for the WebSocket itself,
    /// which <see cref="WebSocketConfiguration"/> configures). The returned handler is disposed after
    /// negotiation, as the official client does.
    /// </summary>
    public Func<HttpMessageHandler, HttpMessageHandler>? HttpMessageHandlerFactory { get; set; }

    /// <summary>
    /// Only <see cref="HttpTransportType.WebSockets"/> is implemented; the property exists so that code
    /// written for the official options (which needs it for <see cref="SkipNegotiation"/>) compiles.
    /// </summary>
    public HttpTransportType Transports
    {
        get => _transports;
        set
        {
            if ((value & HttpTransportType.WebSockets) == 0)
            {
                throw new ArgumentException("Netra.Client implements only the WebSockets transport.", nameof(value));
            }

            _transports = value;
        }
    }

    /// <summary>
    /// How many bytes received from the server may wait unread by the application before the
    /// transport stops reading the socket (backpressure); 0 means no limit. Default 1 MB. Each
    /// WebSocket message is handed over whole, so one message larger than this still gets through.
    /// </summary>
    public long TransportMaxBufferSize
    {
        get => _transportMaxBufferSize;
        set => _transportMaxBufferSize = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The buffer size must be zero (no limit) or more.");
    }

    /// <summary>
    /// How many bytes written by the application may wait unsent before its flushes wait
    /// (backpressure); 0 means no limit. Default 1 MB.
    /// </summary>
    public long ApplicationMaxBufferSize
    {
        get => _applicationMaxBufferSize;
        set => _applicationMaxBufferSize = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The buffer size must be zero (no limit) or more.");
    }

    /// <summary>
    /// The largest single message accepted from the server; a longer one closes the connection with an error
    /// rather than being buffered without bound. 0 means no limit. Default 16 MB.
    /// </summary>
    public long MaximumReceiveMessageSize
    {
        get => _maximumReceiveMessageSize;
        set => _maximumReceiveMessageSize = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The size must be zero (no limit) or more.");
    }
}
