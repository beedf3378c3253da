using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Netra.Client.Transport;

/// <summary>
/// Opens SignalR connections over WebSockets: the negotiate request (unless skipped), then a
/// <see cref="ClientWebSocket"/>. <c>HubConnection</c> calls it on every start and reconnect.
/// </summary>
/// <remarks>
/// Every failure to connect is an <see cref="HttpRequestException"/> whose message says which step
/// failed and why; when the server answered with an HTTP status, the message contains the code and
/// <see cref="HttpRequestException.StatusCode"/> is set. Cancellation throws
/// <see cref="OperationCanceledException"/>.
/// </remarks>
public sealed class WebSocketConnectionFactory : IConnectionFactory
{
    // The official client's limit on negotiate redirects.
    private const int MaxRedirects = 100;

    private readonly WebSocketConnectionOptions _options;
    private readonly ILogger _logger;
    private readonly ILogger _connectionLogger;

    public WebSocketConnectionFactory(IOptions<WebSocketConnectionOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value;
        _logger = loggerFactory.CreateLogger<WebSocketConnectionFactory>();
        _connectionLogger = loggerFactory.CreateLogger<WebSocketConnection>();
    }

    /// <summary>Connects to the hub at <paramref name="endpoint"/>, a <see cref="UriEndPoint"/>.</summary>
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint is not UriEndPoint { Uri: { IsAbsoluteUri: true } hubUrl })
        {
            throw new NotSupportedException($"{nameof(WebSocketConnectionFactory)} needs a {nameof(UriEndPoint)} with an absolute URL, not '{endpoint}'.");
        }

        var accessToken = _options.AccessTokenProvider is null
            ? null
            : await _options.AccessTokenProvider().ConfigureAwait(false);

        string? connectionId = null;
        Uri socketUrl;
        if (_options.SkipNegotiation)
        {
            socketUrl = ToWebSocketUrl(hubUrl);
        }
        else
        {
            var negotiated = await NegotiateAsync(hubUrl, accessToken, cancellationToken).ConfigureAwait(false);
            connectionId = negotiated.ConnectionId;
            accessToken = negotiated.AccessToken;
            socketUrl = AppendQuery(ToWebSocketUrl(negotiated.Url), "id=" + Uri.EscapeDataString(negotiated.ConnectionToken));
        }

        var socket = await OpenWebSocketAsync(socketUrl, accessToken, cancellationToken).ConfigureAwait(false);
        var connection = new WebSocketConnection(socket, connectionId, _options, _connectionLogger);
        connection.Start();
        return connection;
    }

    private async Task<Negotiated> NegotiateAsync(Uri url, string? accessToken, CancellationToken cancellationToken)
    {
        var inner = new SocketsHttpHandler();
        HttpMessageHandler? handler = null;
        try
        {
            handler = _options.HttpMessageHandlerFactory is { } wrap
                ? wrap(inner) ?? throw new InvalidOperationException($"{nameof(WebSocketConnectionOptions.HttpMessageHandlerFactory)} returned null.")
                : inner;
            using var http = new HttpClient(handler, disposeHandler: true);
            for (var redirects = 0; redirects <= MaxRedirects; redirects++)
            {
                var response = await PostNegotiateAsync(http, url, accessToken, cancellationToken).ConfigureAwait(false);
                if (!string.IsNullOrEmpty(response.Error))
                {
                    throw new HttpRequestException(HttpRequestError.Unknown, $"Negotiation with {Describe(url)} failed: the server says \"{response.Error}\".");
                }

                if (response.Url is not null)
                {
                    // Redirect (e.g. a SignalR service): negotiate again there, with the token it gave, if any.
                    if (!Uri.TryCreate(response.Url, UriKind.Absolute, out var redirected))
                    {
                        throw new HttpRequestException(HttpRequestError.InvalidResponse, $"Negotiation with {Describe(url)} redirected to an invalid URL.");
                    }

                    url = redirected;
                    accessToken = response.AccessToken ?? accessToken;
                    TransportLog.NegotiationRedirected(_logger, Describe(url));
                    continue;
                }

                var offersWebSockets = response.AvailableTransports?.Any(t =>
                    string.Equals(t.Transport, nameof(HttpTransportType.WebSockets), StringComparison.OrdinalIgnoreCase)
                    && (t.TransferFormats?.Contains("Text", StringComparer.OrdinalIgnoreCase) ?? false)) ?? false;
                if (!offersWebSockets)
                {
                    throw new HttpRequestException(HttpRequestError.Unknown, $"Negotiation with {Describe(url)} failed: the server does not offer WebSockets with text frames, the only transport of this client.");
                }

                // Version 1 servers give a separate token for the transport; version 0 servers use the id.
                var connectionToken = response.Version > 0 ? response.ConnectionToken : response.ConnectionId;
                if (string.IsNullOrWhiteSpace(connectionToken))
                {
                    throw new HttpRequestException(HttpRequestError.InvalidResponse, $"Negotiation with {Describe(url)} failed: the response has no connection token.");
                }

                TransportLog.Negotiated(_logger, response.ConnectionId, response.Version);
                return new Negotiated(url, accessToken, response.ConnectionId, connectionToken);
            }

            throw new HttpRequestException(HttpRequestError.Unknown, $"Negotiation with {Describe(url)} failed: more than {MaxRedirects} redirects.");
        }
        finally
        {
            // HttpClient disposed the handler it was given; ours too unless the factory replaced it.
            if (!ReferenceEquals(handler, inner))
            {
                inner.Dispose();
            }
        }
    }

    private async Task<NegotiationResponse> PostNegotiateAsync(HttpClient http, Uri url, string? accessToken, CancellationToken cancellationToken)
    {
        var negotiateUrl = ToNegotiateUrl(url);
        TransportLog.Negotiating(_logger, Describe(negotiateUrl));

        using var request = new HttpRequestMessage(HttpMethod.Post, negotiateUrl);
        foreach (var (name, value) in _options.Headers)
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        // Makes cookie-based auth answer 401 instead of redirecting to a login page, as the official client does.
        request.Headers.Remove("X-Requested-With");
        request.Headers.TryAddWithoutValidation("X-Requested-With", "XMLHttpRequest");
        if (!string.IsNullOrEmpty(accessToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            // Rethrown with the step and the URL, which the socket error alone does not say.
            throw new HttpRequestException(ex.HttpRequestError, $"Negotiation with {Describe(negotiateUrl)} failed: {ex.Message}", ex, ex.StatusCode);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                TransportLog.ConnectFailedWithStatus(_logger, Describe(negotiateUrl), response.StatusCode);
                throw new HttpRequestException(
                    $"Negotiation with {Describe(negotiateUrl)} failed: the server responded {(int)response.StatusCode} ({response.ReasonPhrase ?? response.StatusCode.ToString()}).",
                    inner: null,
                    response.StatusCode);
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return NegotiateProtocol.ParseResponse(body);
            }
            catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException)
            {
                // The parser's message says what is wrong (malformed JSON, missing field, old ASP.NET SignalR server).
                throw new HttpRequestException(HttpRequestError.InvalidResponse, $"Negotiation with {Describe(negotiateUrl)} failed: {ex.Message} {ex.InnerException?.Message}".TrimEnd(), ex);
            }
        }
    }

    private async Task<ClientWebSocket> OpenWebSocketAsync(Uri url, string? accessToken, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        var opened = false;
        try
        {
            foreach (var (name, value) in _options.Headers)
            {
                socket.Options.SetRequestHeader(name, value);
            }

            socket.Options.SetRequestHeader("X-Requested-With", "XMLHttpRequest");
            if (!string.IsNullOrEmpty(accessToken))
            {
                // Not in the query string: that is for browsers, which cannot set headers on a WebSocket.
                socket.Options.SetRequestHeader("Authorization", "Bearer " + accessToken);
            }

            // Keeps the handshake's status code when the server refuses the upgrade.
            socket.Options.CollectHttpResponseDetails = true;
            _options.WebSocketConfiguration?.Invoke(socket.Options);

            TransportLog.Connecting(_logger, Describe(url));
            try
            {
                await socket.ConnectAsync(url, cancellationToken).ConfigureAwait(false);
            }
            catch (WebSocketException ex)
            {
                // Rethrown as the same exception type as a failed negotiation, with what went wrong.
                if (socket.HttpStatusCode != 0)
                {
                    TransportLog.ConnectFailedWithStatus(_logger, Describe(url), socket.HttpStatusCode);
                    throw new HttpRequestException(
                        $"The WebSocket handshake with {Describe(url)} failed: the server responded {(int)socket.HttpStatusCode} ({socket.HttpStatusCode}) instead of 101 (Switching Protocols).",
                        ex,
                        socket.HttpStatusCode);
                }

                var cause = ex.InnerException is HttpRequestException inner ? inner : null;
                throw new HttpRequestException(
                    cause?.HttpRequestError ?? HttpRequestError.Unknown,
                    $"Could not open a WebSocket to {Describe(url)}: {cause?.Message ?? ex.Message}",
                    ex);
            }

            TransportLog.Connected(_logger, Describe(url));
            opened = true;
            return socket;
        }
        finally
        {
            if (!opened)
            {
                socket.Dispose();
            }
        }
    }

    private static Uri ToNegotiateUrl(Uri url)
    {
        var builder = new UriBuilder(url);
        builder.Scheme = builder.Scheme switch
        {
            "ws" => Uri.UriSchemeHttp,
            "wss" => Uri.UriSchemeHttps,
            _ => builder.Scheme,
        };
        builder.Path = builder.Path.EndsWith('/') ? builder.Path + "negotiate" : builder.Path + "/negotiate";
        return AppendQuery(builder.Uri, "negotiateVersion=1");
    }

    private static Uri ToWebSocketUrl(Uri url)
    {
        var builder = new UriBuilder(url);
        builder.Scheme = builder.Scheme switch
        {
            "http" => "ws",
            "https" => "wss",
            "ws" or "wss" => builder.Scheme,
            _ => throw new NotSupportedException($"Cannot open a WebSocket to a '{url.Scheme}' URL; use http, https, ws or wss."),
        };
        return builder.Uri;
    }

    private static Uri AppendQuery(Uri url, string parameter)
    {
        var builder = new UriBuilder(url);
        builder.Query = string.IsNullOrEmpty(builder.Query) || builder.Query == "?"
            ? parameter
            : builder.Query.TrimStart('?') + "&" + parameter;
        return builder.Uri;
    }

    // For messages and logs: no query string, which can carry the connection token or an access token.
    private static string Describe(Uri url) => url.GetLeftPart(UriPartial.Path);

    private sealed record Negotiated(Uri Url, string? AccessToken, string? ConnectionId, string ConnectionToken);
}
