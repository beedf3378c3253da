using System.Globalization;
using System.Security.Claims;

namespace Netra.Server.Auth;

/// <summary>Claim names of Netra's tokens (DESIGN.md: <c>sub</c>, <c>name</c>, <c>role</c>) and readers for them.</summary>
internal static class NetraClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";
    public const string IssuedAt = "iat";

    public static long GetUserId(this ClaimsPrincipal principal) =>
        principal.TryGetUserId(out var id) ? id : throw new InvalidOperationException("The principal has no numeric 'sub' claim.");

    public static bool TryGetUserId(this ClaimsPrincipal principal, out long userId)
    {
        if (principal is SlimPrincipal slim)
        {
            userId = slim.UserId ?? 0;
            return slim.UserId.HasValue;
        }

        return TryParseUserId(principal.FindFirst(Subject)?.Value, out userId);
    }

    public static string GetUserName(this ClaimsPrincipal principal) =>
        principal is SlimPrincipal slim ? slim.UserName : principal.FindFirst(Name)?.Value ?? "";

    /// <summary>When the token was issued (<c>iat</c>); kept by <see cref="Slim"/> for service tokens only, which can be revoked.</summary>
    public static bool TryGetIssuedAt(this ClaimsPrincipal principal, out DateTimeOffset issuedAt)
    {
        var parsed = long.TryParse(principal.FindFirst(IssuedAt)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds();
        issuedAt = parsed ? DateTimeOffset.FromUnixTimeSeconds(seconds) : default;
        return parsed;
    }

    /// <summary>
    /// A principal with only <c>sub</c>, <c>name</c> and <c>role</c> claims (and <c>iat</c> for a service), as plain strings:
    /// what Netra reads, nothing of the token behind them.
    /// </summary>
    public static ClaimsPrincipal Slim(ClaimsPrincipal principal, string authenticationType)
    {
        var claims = new List<Claim>(4);
        var isService = principal.IsInRole(NetraRoles.Service);
        foreach (var claim in principal.Claims)
        {
            if (claim.Type is Subject or Name or Role || (isService && claim.Type == IssuedAt))
            {
                claims.Add(new Claim(claim.Type, claim.Value));
            }
        }

        return new SlimPrincipal(new ClaimsIdentity(claims, authenticationType, Name, Role));
    }

    /// <summary>
    /// A user id as Netra writes it in <c>sub</c>: digits without leading zeros, 1 or more. Only that form, because
    /// SignalR addresses a user's connections by the <c>sub</c> text itself (<see cref="SubjectUserIdProvider"/>): "007"
    /// would be user 7 to the hub's checks and a stranger to <c>Clients.User("7")</c>.
    /// </summary>
    private static bool TryParseUserId(string? subject, out long userId)
    {
        if (long.TryParse(subject, NumberStyles.None, CultureInfo.InvariantCulture, out userId) && subject[0] != '0')
        {
            return true;
        }

        userId = 0;
        return false;
    }

    /// <summary>
    /// What <see cref="Slim"/> makes: the claims, with the user id and name read once, because every hub call and request reads
    /// them (a claim lookup walks the identities and claims through enumerators it allocates).
    /// </summary>
    private sealed class SlimPrincipal : ClaimsPrincipal
    {
        public SlimPrincipal(ClaimsIdentity identity)
            : base(identity)
        {
            UserId = TryParseUserId(identity.FindFirst(Subject)?.Value, out var userId) ? userId : null;
            UserName = identity.FindFirst(Name)?.Value ?? "";
        }

        public long? UserId { get; }

        public string UserName { get; }

        // A copy (e.g. of a cached authentication result) is slim too, unless an identity was added since.
        public override ClaimsPrincipal Clone() => Identities.Count() == 1 ? new SlimPrincipal(Identities.First().Clone()) : base.Clone();
    }
}
