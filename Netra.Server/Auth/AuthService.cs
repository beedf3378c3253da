using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Netra.Contracts;
using Netra.Contracts.Auth;
using Netra.Server.Errors;
using Netra.Server.Protection;

namespace Netra.Server.Auth;

/// <summary>Registration and login: validation, password hashing with ASP.NET Core Identity's hasher, token issue.</summary>
internal sealed partial class AuthService(UserStore users, IPasswordHasher<UserRecord> hasher, TokenIssuer tokens, ILogger<AuthService> logger)
{
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 128;
    public const int MaxDisplayNameLength = 64;

    // Verified when the user name is unknown, so that a wrong name costs as long as a wrong password.
    private static readonly string DummyHash = new PasswordHasher<UserRecord>().HashPassword(new UserRecord(), "netra-timing-equaliser");

    public async Task<UserInfo> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken)
    {
        var userName = request.UserName ?? "";
        if (!UserNamePattern().IsMatch(userName))
        {
            throw ProblemException.Validation("userName must be 3 to 32 characters: letters, digits, '.', '_' or '-'.");
        }

        var password = request.Password ?? "";
        if (password.Length is < MinPasswordLength or > MaxPasswordLength)
        {
            throw ProblemException.Validation($"password must be {MinPasswordLength} to {MaxPasswordLength} characters.");
        }

        InputRules.RequireCleanText(password, "password", multiLine: false);
        var displayName = InputRules.RequireText(request.DisplayName?.Trim(), "displayName", MaxDisplayNameLength);

        var hash = hasher.HashPassword(new UserRecord { UserName = userName }, password);
        var user = await users.CreateAsync(userName, displayName, hash, [], cancellationToken)
            ?? throw new ProblemException(ErrorCodes.Conflict, $"The user name '{userName}' is taken.");
        AuthLog.UserRegistered(logger, user.Id, user.UserName);
        return new UserInfo(user.Id, user.UserName, user.DisplayName);
    }

    public async Task<LoginResponse> LoginAsync(LoginRequest request, string? remoteIp, CancellationToken cancellationToken)
    {
        var userName = request.UserName ?? "";
        var password = request.Password ?? "";
        if (userName.Length is 0 or > 32 || password.Length is 0 or > MaxPasswordLength)
        {
            throw ProblemException.Validation("userName and password are required.");
        }

        var user = await users.FindByUserNameAsync(userName, cancellationToken);
        var result = hasher.VerifyHashedPassword(user ?? new UserRecord(), user?.PasswordHash ?? DummyHash, password);
        if (user is null || result == PasswordVerificationResult.Failed)
        {
            AuthLog.LoginFailed(logger, userName, remoteIp);
            throw new ProblemException(ErrorCodes.Unauthorized, "Wrong user name or password.");
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await users.UpdatePasswordHashAsync(user.Id, hasher.HashPassword(user, password), cancellationToken);
        }

        var (token, expiresAt) = tokens.Issue(user);
        return new LoginResponse(token, expiresAt, new UserInfo(user.Id, user.UserName, user.DisplayName));
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{3,32}\\z")]
    private static partial Regex UserNamePattern();
}
