using Microsoft.Extensions.Options;

namespace Netra.Server.Protection;

/// <summary>
/// Decides whether a browser origin may use Netra: the configured patterns, plus localhost in
/// Development, plus the server's own origin. Anything that is not a plain <c>scheme://host[:port]</c>
/// (for example <c>null</c>, or an origin with a path or query) is refused.
/// </summary>
internal sealed class OriginPolicy
{
    private readonly IReadOnlyList<OriginPattern> patterns;

    public OriginPolicy(IOptions<OriginOptions> options, IHostEnvironment environment)
    {
        var list = new List<OriginPattern>();
        foreach (var entry in options.Value.Allowed)
        {
            // Validated at start-up by OriginOptionsValidator, so every entry parses here.
            list.Add(OriginPattern.Parse(entry, out _)!);
        }

        if (environment.IsDevelopment())
        {
            list.Add(new OriginPattern("http", "localhost", null, WildcardSubdomain: false, AnyPort: true));
            list.Add(new OriginPattern("http", "127.0.0.1", null, WildcardSubdomain: false, AnyPort: true));
        }

        patterns = list;
    }

    public bool IsAllowed(string origin, HttpRequest? request = null) =>
        IsAllowed(origin, request?.Scheme, request?.Host.Value);

    /// <summary>Whether <paramref name="origin"/> may connect to a server reached as <paramref name="scheme"/>://<paramref name="host"/> (its own origin always may).</summary>
    public bool IsAllowed(string origin, string? scheme, string? host)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.UserInfo.Length > 0 || origin.TrimEnd('/') != uri.GetLeftPart(UriPartial.Authority))
        {
            return false;
        }

        if (scheme is not null && host is not null && string.Equals(uri.GetLeftPart(UriPartial.Authority), $"{scheme}://{host}", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return patterns.Any(pattern => pattern.Matches(uri));
    }
}
