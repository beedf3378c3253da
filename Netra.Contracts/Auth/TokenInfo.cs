namespace Netra.Contracts.Auth;

/// <summary>
/// <c>GET /api/auth/me</c>: whom the caller's token names, as the server accepts it now. A client whose WebSocket
/// connect failed asks this to tell a refused token (401) from a network failure, which a browser's WebSocket cannot.
/// </summary>
/// <param name="UserId">The user's id; null for a service token that names no user.</param>
/// <param name="UserName">The user name the token carries.</param>
/// <param name="Roles">The token's roles (<c>admin</c>, <c>service</c>); empty for a plain user.</param>
public sealed record TokenInfo(long? UserId, string UserName, IReadOnlyList<string> Roles);
