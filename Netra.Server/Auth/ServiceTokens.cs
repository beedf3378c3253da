using System.Text.RegularExpressions;
using Netra.Contracts.Auth;
using Netra.Server.Errors;

namespace Netra.Server.Auth;

/// <summary>
/// Mints tokens with role <c>service</c> for backends (issue trackers, alerting, agent runners). Each backend is a user
/// named <c>service:{name}</c> (a name no one can register or log in as: its password hash is empty), created the
/// first time, so the token's <c>sub</c> is a real user id. Used by the <c>--issue-service-token</c> command and by
/// <c>POST /api/admin/service-tokens</c>.
/// </summary>
internal sealed partial class ServiceTokens(UserStore users, TokenIssuer tokens, ILogger<ServiceTokens> logger)
{
    public const int DefaultDays = 90;
    public const int MaxDays = 3650;
    public const string UserNamePrefix = "service:";

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

    [GeneratedRegex("^[a-z0-9._-]{1,40}$")]
    private static partial Regex NamePattern();
}
