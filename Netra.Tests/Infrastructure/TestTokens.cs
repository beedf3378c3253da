using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Netra.Tests.Infrastructure;

/// <summary>Hand-made tokens: forged, expired, unsigned, for another audience, or with roles (a backend service).</summary>
public static class TestTokens
{
    public static string Create(
        long userId,
        string key = NetraTestServer.SigningKey,
        string issuer = "netra",
        string audience = "netra",
        DateTime? expires = null,
        string algorithm = SecurityAlgorithms.HmacSha256,
        params string[] roles) =>
        Build(userId.ToString(System.Globalization.CultureInfo.InvariantCulture), key, issuer, audience, expires, algorithm, roles);

    /// <summary>A token whose <c>sub</c> is <paramref name="subject"/> as written (e.g. not a user id), otherwise as <see cref="Create"/>'s defaults.</summary>
    public static string WithSubject(string subject, params string[] roles) =>
        Build(subject, NetraTestServer.SigningKey, "netra", "netra", null, SecurityAlgorithms.HmacSha256, roles);

    private static string Build(string subject, string key, string issuer, string audience, DateTime? expires, string algorithm, string[] roles)
    {
        var now = DateTime.UtcNow;
        var expiresAt = expires ?? now.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([
                new Claim("sub", subject),
                new Claim("name", "someone"),
                .. roles.Select(role => new Claim("role", role)),
            ]),
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expiresAt.AddHours(-2),
            NotBefore = expiresAt.AddHours(-2),
            Expires = expiresAt,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), algorithm),
        });
    }

    /// <summary>A token with <c>"alg": "none"</c> and no signature, claiming to be <paramref name="userId"/>.</summary>
    public static string WithoutSignature(long userId)
    {
        static string Encode(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        return Encode("""{"alg":"none","typ":"JWT"}""") + "." +
               Encode($$"""{"sub":"{{userId}}","name":"someone","iss":"netra","aud":"netra","exp":{{exp}}}""") + ".";
    }
}
