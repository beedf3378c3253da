using System.Globalization;
using System.Security.Claims;

namespace Netra.Server.Auth;

/// <summary>Claim names of Netra's tokens (DESIGN.md: <c>sub</c>, <c>name</c>, <c>role</c>) and readers for them.</summary>
internal static class NetraClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";

    public static long GetUserId(this ClaimsPrincipal principal) =>
        principal.TryGetUserId(out var id) ? id : throw new InvalidOperationException("The principal has no numeric 'sub' claim.");

    public static bool TryGetUserId(this ClaimsPrincipal principal, out long userId) =>
        long.TryParse(principal.FindFirst(Subject)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out userId);

    public static string GetUserName(this ClaimsPrincipal principal) => principal.FindFirst(Name)?.Value ?? "";

    /// <summary>A principal with only <c>sub</c>, <c>name</c> and <c>role</c> claims, as plain strings: what Netra reads, nothing of the token behind them.</summary>
    public static ClaimsPrincipal Slim(ClaimsPrincipal principal, string authenticationType)
    {
        var claims = new List<Claim>(4);
        foreach (var claim in principal.Claims)
        {
            if (claim.Type is Subject or Name or Role)
            {
                claims.Add(new Claim(claim.Type, claim.Value));
            }
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, Name, Role));
    }
}
