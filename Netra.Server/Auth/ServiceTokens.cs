using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Netra.Contracts.Auth;
using Netra.Server.Errors;

namespace Netra.Server.Auth;

/// <summary>
/// Mints tokens with role <c>service</c> for backends (issue trackers, alerting, agent runners). Each backend is a user
/// named <c>service:{name}</c> (a name no one can register or log in as: its password hash is empty), created the
/// first time, so the token's <c>sub</c> is a real user id. Used by the <c>--issue-service-token</c> command and by
/// <c>POST /api/admin/service-tokens</c>. <see cref="RevokeAsync"/> refuses every token a backend was given so far
/// (<c>DELETE /api/admin/service-tokens/{name}</c>); each request with a service token is checked against that
/// (<see cref="IsRevokedAsync"/>), seen by every node within <see cref="RevocationCacheSeconds"/>.
/// </summary>
internal sealed partial class ServiceTokens(UserStore users, TokenIssuer tokens, TimeProvider time, ILogger<ServiceTokens> logger)
{
    /// <summary>How long a node keeps what it read of a service user's revocation before reading it again.</summary>
    public const int RevocationCacheSeconds = 5;

    public const int DefaultDays = 90;
    public const int MaxDays = 3650;
    public const string UserNamePrefix = "service:";

    /// <summary>Per service user: from when on its tokens are valid (null: all of them), and when that was read.</summary>
    private readonly ConcurrentDictionary<long, (DateTimeOffset? ValidAfter, long ReadAt)> validAfter = new();

    public async Task<LoginResponse> IssueAsync(string? name, int? days, CancellationToken cancellationToken)
    {
        if (name is null || !NamePattern().IsMatch(name))
        {
            throw ProblemException.Validation("name must be 1 to 40 of a-z, 0-9, '.', '_' and '-' (e.g. issue-tracker).");
        }

        var lifetime = days ?? DefaultDays;
        if (lifetime is < 1 or > MaxDays)
        {
            throw ProblemException.Validation($"days must be between 1 and {MaxDays}.");
        }

        var userName = UserNamePrefix + name;
        var user = await users.FindByUserNameAsync(userName, cancellationToken)
            ?? await users.CreateAsync(userName, name, "", [NetraRoles.Service], cancellationToken)
            // Created by a concurrent call meanwhile.
            ?? await users.FindByUserNameAsync(userName, cancellationToken)
            ?? throw new InvalidOperationException($"The service user '{userName}' was neither created nor found.");
        if (!user.Roles.Contains(NetraRoles.Service, StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"The user '{userName}' exists without the role '{NetraRoles.Service}'.");
        }

        var (token, expiresAt) = tokens.Issue(user, TimeSpan.FromDays(lifetime));
        AuthLog.ServiceTokenIssued(logger, name, user.Id, expiresAt);
        return new LoginResponse(token, expiresAt, new UserInfo(user.Id, user.UserName, user.DisplayName));
    }

    /// <summary>Refuses every token issued so far to the backend <paramref name="name"/> (and any issued in the same second).</summary>
    public async Task RevokeAsync(string? name, CancellationToken cancellationToken)
    {
        if (name is null || !NamePattern().IsMatch(name))
        {
            throw ProblemException.Validation("name must be 1 to 40 of a-z, 0-9, '.', '_' and '-' (e.g. issue-tracker).");
        }

        var userId = await users.RevokeTokensAsync(UserNamePrefix + name, NetraRoles.Service, cancellationToken)
            ?? throw ProblemException.NotFound($"There is no service '{name}'.");
        validAfter.TryRemove(userId, out _);
        AuthLog.ServiceTokensRevoked(logger, name, userId);
    }

    /// <summary>
    /// The principal a validated token gives a request or a hub connection: only the claims Netra reads
    /// (<see cref="NetraClaims.Slim"/>; a connection keeps its principal for as long as it is open, and the validated one
    /// holds the whole parsed token), or null when its <c>sub</c> is not a user id or it is a revoked service token. Every
    /// token names a user, services included: a service is a user of its own (<see cref="IssueAsync"/>), which is what
    /// revoking its tokens keys on, and the hub addresses a user's connections by that id.
    /// </summary>
    public async ValueTask<ClaimsPrincipal?> AcceptAsync(ClaimsPrincipal validated, string authenticationType, CancellationToken cancellationToken)
    {
        var principal = NetraClaims.Slim(validated, authenticationType);
        if (!principal.TryGetUserId(out _))
        {
            return null;
        }

        return await IsRevokedAsync(principal, cancellationToken) ? null : principal;
    }

    /// <summary>
    /// Whether <paramref name="principal"/> (as <see cref="NetraClaims.Slim"/> left it) holds a service token that was revoked;
    /// false for every other principal. A service token without an issue time counts as issued before any revocation.
    /// </summary>
    public ValueTask<bool> IsRevokedAsync(ClaimsPrincipal principal, CancellationToken cancellationToken) =>
        principal.IsInRole(NetraRoles.Service) && principal.TryGetUserId(out var userId)
            ? IsRevokedAsync(userId, principal.TryGetIssuedAt(out var issuedAt) ? issuedAt : null, cancellationToken)
            : ValueTask.FromResult(false);

    private async ValueTask<bool> IsRevokedAsync(long userId, DateTimeOffset? issuedAt, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (!validAfter.TryGetValue(userId, out var known) || time.GetElapsedTime(known.ReadAt, now) > TimeSpan.FromSeconds(RevocationCacheSeconds))
        {
            known = (await users.GetTokensValidAfterAsync(userId, cancellationToken), now);
            validAfter[userId] = known;
        }

        return known.ValidAfter is { } after && (issuedAt is not { } issued || issued < after);
    }

    [GeneratedRegex("^[a-z0-9._-]{1,40}\\z")]
    private static partial Regex NamePattern();
}
