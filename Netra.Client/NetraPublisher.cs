using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Netra.Client.Internal;
using Netra.Contracts;
using Netra.Contracts.Agents;
using Netra.Contracts.Events;

namespace Netra.Client;

/// <summary>
/// For backends (issue trackers, alerting, agent runners): the service publish APIs, typed. Every call carries an
/// <c>Idempotency-Key</c> (a new one, or the caller's), so it is sent again, and stored once, when the connection fails
/// or the server errs (<see cref="NetraPublisherOptions.MaxAttempts"/>). A refusal throws <see cref="NetraException"/>
/// with the server's code; a <c>RATE_LIMITED</c> one, which stored nothing, is sent again after the server's
/// <c>Retry-After</c> while <see cref="NetraPublisherOptions.MaxRateLimitWait"/> allows. A connection that still fails
/// after the last attempt throws as <see cref="HttpClient"/> does (<see cref="HttpRequestException"/>, or
/// <see cref="TaskCanceledException"/> for its timeout). Safe for concurrent use.
/// </summary>
public sealed class NetraPublisher : IDisposable
{
    /// <summary>The header that makes a repeated publish a no-op on the server (kept there 24 hours, per service).</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    private static readonly JsonSerializerOptions WireJson = new(JsonSerializerDefaults.Web);

    private readonly HttpClient http;
    private readonly bool ownsHttp;
    private readonly Uri baseAddress;
    private readonly NetraPublisherOptions options;
    private readonly ILogger logger;

    /// <summary>A publisher with an <see cref="HttpClient"/> of its own, disposed with it.</summary>
    public NetraPublisher(NetraPublisherOptions options)
        : this(new HttpClient(), options, ownsHttp: true)
    {
    }

    /// <summary>A publisher over <paramref name="http"/> (from <c>IHttpClientFactory</c>, say), which it does not dispose.</summary>
    public NetraPublisher(HttpClient http, NetraPublisherOptions options, ILoggerFactory? loggerFactory = null)
        : this(http, options, ownsHttp: false, loggerFactory)
    {
    }

    private NetraPublisher(HttpClient http, NetraPublisherOptions options, bool ownsHttp, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRateLimitWait, TimeSpan.Zero, nameof(options.MaxRateLimitWait));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1, nameof(options.MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RetryDelay, TimeSpan.Zero, nameof(options.RetryDelay));
        var address = options.Url ?? http.BaseAddress
            ?? throw new ArgumentException("Set NetraPublisherOptions.Url, or give an HttpClient with a BaseAddress.", nameof(options));
        // Paths are resolved against the base, so it must end with '/' for a server under a path prefix.
        baseAddress = address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
        this.http = http;
        this.ownsHttp = ownsHttp;
        this.options = options;
        logger = (ILogger?)loggerFactory?.CreateLogger<NetraPublisher>() ?? NullLogger.Instance;
    }

    /// <summary>An event for <see cref="PublishBatchAsync"/>: <paramref name="payload"/> serialized as the wire does (camelCase).</summary>
    public static PublishRequest Event<T>(string channel, string type, T payload) => new(channel, type, ToJson(payload));

    /// <summary>
    /// <c>POST /api/publish</c>: pushed as <c>ChannelEvent</c> to the application channel's subscribers. Pass an
    /// <paramref name="idempotencyKey"/> (an outbox row's id, say) to make a repeat after a restart of this backend a no-op
    /// too; the server keeps keys for 24 hours, per service.
    /// </summary>
    public Task<PublishResult> PublishAsync<T>(string channel, string type, T payload, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        PostAsync<PublishResult>("api/publish", Event(channel, type, payload), idempotencyKey, cancellationToken);

    /// <summary><c>POST /api/publish/batch</c>: all stored or none, each channel's events in the order given; a result per event.</summary>
    public async Task<IReadOnlyList<PublishResult>> PublishBatchAsync(IEnumerable<PublishRequest> events, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        return await PostAsync<PublishResult[]>("api/publish/batch", new PublishBatchRequest([.. events]), idempotencyKey, cancellationToken);
    }

    /// <summary><c>POST /api/issues/{id}/events</c>: pushed as <c>IssueUpdated</c> on <c>issues</c> and <c>issue:{id}</c>, a result for each.</summary>
    public async Task<IReadOnlyList<PublishResult>> PublishIssueEventAsync<T>(
        string issueId, string updateType, T data, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        await PostAsync<PublishResult[]>($"api/issues/{Uri.EscapeDataString(issueId)}/events", new IssueEventRequest(updateType, ToJson(data)), idempotencyKey, cancellationToken);

    /// <summary><c>POST /api/alerts</c>: pushed as <c>AlertTriggered</c> on <c>alerts</c>. <paramref name="severity"/>: info, warning or critical.</summary>
    public Task<PublishResult> PublishAlertAsync<T>(
        string alertId, string severity, string message, T data, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        PostAsync<PublishResult>("api/alerts", new AlertRequest(alertId, severity, message, ToJson(data)), idempotencyKey, cancellationToken);

    /// <summary>
    /// <c>POST /api/agent-runs/{runId}/events</c>: a step of a run that executes in this backend. The server knows a
    /// run's steps by their number, so a repeated step is not delivered twice and the answer is stored once.
    /// </summary>
    public Task<AgentEvent> PushAgentEventAsync(string runId, PushAgentEventRequest step, CancellationToken cancellationToken = default) =>
        PostAsync<AgentEvent>($"api/agent-runs/{Uri.EscapeDataString(runId)}/events", step, idempotencyKey: null, cancellationToken);

    public void Dispose()
    {
        if (ownsHttp)
        {
            http.Dispose();
        }
    }

    private static JsonElement ToJson<T>(T value) => JsonSerializer.SerializeToElement(value, WireJson);

    private async Task<TResult> PostAsync<TResult>(string path, object body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        // One key for every attempt of this call: the server stores it once however many reach it.
        var key = idempotencyKey ?? Guid.NewGuid().ToString("N");
        var (attempt, waited, delay) = (1, TimeSpan.Zero, options.RetryDelay);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, path))
            {
                Content = JsonContent.Create(body, body.GetType(), options: WireJson),
            };
            request.Headers.Add(IdempotencyHeader, key);
            if (options.AccessTokenProvider is { } provider && await provider(cancellationToken) is { Length: > 0 } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (Exception failure) when (IsTransient(failure, cancellationToken) && attempt < options.MaxAttempts)
            {
                await RetryLaterAsync(failure.Message);
                continue;
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    return await response.Content.ReadFromJsonAsync<TResult>(WireJson, cancellationToken)
                        ?? throw new NetraException(ErrorCodes.Internal, $"{path} answered {(int)response.StatusCode} without a body.");
                }

                var refused = await ReadRefusalAsync(response, path, cancellationToken);
                if ((int)response.StatusCode is 500 or 502 or 503 or 504 && attempt < options.MaxAttempts)
                {
                    await RetryLaterAsync(refused.Message);
                    continue;
                }

                if (refused.Code != ErrorCodes.RateLimited || refused.RetryAfter is not { } retryAfter || waited + retryAfter > options.MaxRateLimitWait)
                {
                    throw refused;
                }

                NetraClientLog.PublishRateLimited(logger, path, retryAfter);
                await Task.Delay(retryAfter, cancellationToken);
                waited += retryAfter;
            }
        }

        async Task RetryLaterAsync(string reason)
        {
            NetraClientLog.PublishRetried(logger, path, attempt, delay, reason);
            await Task.Delay(delay, cancellationToken);
            (attempt, delay) = (attempt + 1, delay * 2);
        }
    }

    /// <summary>A failed connection or an <see cref="HttpClient.Timeout"/>; not the caller's own cancellation.</summary>
    private static bool IsTransient(Exception failure, CancellationToken cancellationToken) =>
        failure is HttpRequestException || (failure is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>The server's problem details as a <see cref="NetraException"/>; a body that is not one (a proxy's page) by its status.</summary>
    private static async Task<NetraException> ReadRefusalAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        string? code = null, detail = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            using var problem = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            code = problem.RootElement.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            detail = problem.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        }

        code ??= response.StatusCode switch
        {
            HttpStatusCode.BadRequest => ErrorCodes.ValidationFailed,
            HttpStatusCode.Unauthorized => ErrorCodes.Unauthorized,
            HttpStatusCode.Forbidden => ErrorCodes.Forbidden,
            HttpStatusCode.NotFound => ErrorCodes.NotFound,
            HttpStatusCode.RequestEntityTooLarge => ErrorCodes.MessageTooLarge,
            HttpStatusCode.TooManyRequests => ErrorCodes.RateLimited,
            _ => ErrorCodes.Internal,
        };
        return new NetraException(code, $"{code}: {detail ?? $"{path} answered {(int)response.StatusCode} {response.ReasonPhrase}."}")
        {
            RetryAfter = response.Headers.RetryAfter?.Delta,
        };
    }
}
