using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Netra.Bench;

/// <summary>HS256 access tokens as Netra issues them (sub, name, iss/aud "netra", and a role where given), signed with the configured key.</summary>
public static class Tokens
{
    public static string Create(string signingKey, long userId, string issuer = "netra", string audience = "netra", string? role = null)
    {
        var roleClaim = role is null ? "" : $",\"role\":\"{role}\"";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
        var payload = Base64Url(Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $$"""{"sub":"{{userId}}","name":"bench-{{userId}}","iss":"{{issuer}}","aud":"{{audience}}"{{roleClaim}},"iat":{{now - 60}},"nbf":{{now - 60}},"exp":{{now + 3600}}}""")));
        var signed = header + "." + payload;
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.ASCII.GetBytes(signed));
        return signed + "." + Base64Url(signature);
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
