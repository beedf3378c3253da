namespace Netra.Contracts.Auth;

public sealed record UserInfo(long Id, string UserName, string DisplayName);
