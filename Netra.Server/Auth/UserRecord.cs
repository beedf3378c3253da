namespace Netra.Server.Auth;

/// <summary>A row of <c>users</c>.</summary>
internal sealed class UserRecord
{
    public long Id { get; init; }

    public string UserName { get; init; } = "";

    public string DisplayName { get; init; } = "";

    public string PasswordHash { get; init; } = "";

    public string[] Roles { get; init; } = [];
}
