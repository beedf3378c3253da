namespace Netra.Tests.Infrastructure;

public sealed record TestUser(long Id, string UserName, string DisplayName, string Password, string Token);
