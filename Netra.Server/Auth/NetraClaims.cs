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
}
