using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Netra.Server.Auth;

/// <summary>Issues HS256 access tokens with <c>sub</c> = user id, <c>name</c> = user name and one <c>role</c> claim per role.</summary>
internal sealed class TokenIssuer(SigningKey signingKey, IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler handler = new();

    public (string Token, DateTimeOffset ExpiresAt) Issue(UserRecord user) => Issue(user, TimeSpan.FromMinutes(options.Value.TokenLifetimeMinutes));

    /// <summary>A token valid for <paramref name="lifetime"/> (service tokens live for days, user tokens for minutes).</summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(UserRecord user, TimeSpan lifetime)
    {
        var now = time.GetUtcNow();
        var expiresAt = now.Add(lifetime);
        var claims = new List<Claim>
        {
            new(JwtRegisteredClaimNames.Sub, user.Id.ToString(CultureInfo.InvariantCulture)),
            new(NetraClaims.Name, user.UserName),
            new(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
        };
        claims.AddRange(user.Roles.Select(role => new Claim(NetraClaims.Role, role)));

        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expiresAt.UtcDateTime,
            SigningCredentials = new SigningCredentials(signingKey.Key, SecurityAlgorithms.HmacSha256),
        });
        return (token, expiresAt);
    }
}
