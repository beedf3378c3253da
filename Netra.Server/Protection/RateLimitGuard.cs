using System.Globalization;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Server.Errors;
using Netra.Server.Metrics;

namespace Netra.Server.Protection;

/// <summary>
/// Applies the configured limits (<see cref="LimitsOptions"/>) through the rate-limit store and
/// refuses with <c>RATE_LIMITED: {limit} {what} per minute; retry in {n} s</c>.
/// </summary>
internal sealed class RateLimitGuard(IRateLimitStore store, IOptions<LimitsOptions> options, NetraMetrics metrics, ILogger<RateLimitGuard> logger)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public Task EnsureMessageAsync(long userId, CancellationToken cancellationToken) =>
        EnsureAsync("msg:" + userId.ToString(CultureInfo.InvariantCulture), options.Value.MessagesPerMinute, "messages", cancellationToken);

    public Task EnsureCallAsync(long userId, CancellationToken cancellationToken) =>
        EnsureAsync("call:" + userId.ToString(CultureInfo.InvariantCulture), options.Value.CallsPerMinute, "calls", cancellationToken);

    public Task EnsurePublishAsync(long serviceId, CancellationToken cancellationToken) =>
        EnsureAsync("publish:" + serviceId.ToString(CultureInfo.InvariantCulture), options.Value.PublishesPerMinutePerService, "publishes", cancellationToken);

    public Task EnsureBatchPublishAsync(long serviceId, CancellationToken cancellationToken) =>
        EnsureAsync("batch:" + serviceId.ToString(CultureInfo.InvariantCulture), options.Value.BatchPublishesPerMinutePerService, "batch publishes", cancellationToken);

    public Task EnsureLoginAsync(string? remoteIp, string userName, CancellationToken cancellationToken) =>
        EnsureAsync($"login:{remoteIp}:{userName.ToLowerInvariant()}", options.Value.LoginAttemptsPerMinute, "login attempts", cancellationToken);

    public Task EnsureRegistrationAsync(string? remoteIp, CancellationToken cancellationToken) =>
        EnsureAsync("register:" + remoteIp, options.Value.RegistrationsPerMinutePerIp, "registrations", cancellationToken);

    public Task EnsureConnectAttemptAsync(string? remoteIp, CancellationToken cancellationToken) =>
        EnsureAsync(ConnectKey(remoteIp), options.Value.ConnectAttemptsPerMinutePerIp, "connection attempts", cancellationToken);

    /// <summary>
    /// Counts a connection attempt and says whether it is within the limit, without refusing it: the hub's own WebSocket
    /// transport hands an attempt over the limit to the HTTP pipeline, whose check (refused again, the window being full)
    /// answers 429, logs and counts it once.
    /// </summary>
    public async Task<bool> TryConnectAttemptAsync(string? remoteIp, CancellationToken cancellationToken) =>
        (await store.TryAcquireAsync(ConnectKey(remoteIp), options.Value.ConnectAttemptsPerMinutePerIp, Window, cancellationToken)).Allowed;

    private static string ConnectKey(string? remoteIp) => "connect:" + remoteIp;

    private async Task EnsureAsync(string key, int limit, string what, CancellationToken cancellationToken)
    {
        var decision = await store.TryAcquireAsync(key, limit, Window, cancellationToken);
        if (decision.Allowed)
        {
            return;
        }

        var retryIn = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds));
        ProtectionLog.RateLimited(logger, key, limit, what, retryIn);
        metrics.RateLimited(key[..key.IndexOf(':', StringComparison.Ordinal)]);
        throw new ProblemException(ErrorCodes.RateLimited, $"{limit} {what} per minute; retry in {retryIn} s") { RetryAfterSeconds = retryIn };
    }
}
