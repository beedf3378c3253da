namespace Netra.Server.Protection;

/// <summary>One allowed origin: exact, or with a single leading wildcard label; any port when <see cref="AnyPort"/>.</summary>
internal sealed record OriginPattern(string Scheme, string Host, int? Port, bool WildcardSubdomain, bool AnyPort)
{
    /// <summary>Parses a configured pattern; null with a reason when it is unsafe or malformed.</summary>
    public static OriginPattern? Parse(string pattern, out string? error)
    {
        error = null;
        var text = pattern.Trim();
        var wildcard = false;
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (text == "*" || schemeEnd < 0)
        {
            error = $"'{pattern}' is not an origin (expected scheme://host[:port]; '*' is not allowed).";
            return null;
        }

        if (text[(schemeEnd + 3)..].StartsWith("*.", StringComparison.Ordinal))
        {
            wildcard = true;
            text = text[..(schemeEnd + 3)] + "wildcard-label." + text[(schemeEnd + 5)..];
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            error = $"'{pattern}' is not an http or https origin.";
            return null;
        }

        if (uri.UserInfo.Length > 0 || text.Contains('@', StringComparison.Ordinal))
        {
            error = $"'{pattern}' carries credentials.";
            return null;
        }

        if (uri.PathAndQuery != "/" || uri.Fragment.Length > 0)
        {
            error = $"'{pattern}' has a path, query or fragment; an origin is scheme://host[:port] only.";
            return null;
        }

        var host = uri.IdnHost.ToLowerInvariant();
        if (wildcard)
        {
            host = host["wildcard-label.".Length..];
            if (host.Split('.').Length < 2 || host.Contains('*', StringComparison.Ordinal))
            {
                error = $"'{pattern}' would match every site under a top-level domain.";
                return null;
            }
        }
        else if (host.Contains('*', StringComparison.Ordinal))
        {
            error = $"'{pattern}': a wildcard may only be the first label (https://*.example.com).";
            return null;
        }

        return new OriginPattern(uri.Scheme, host, uri.IsDefaultPort ? null : uri.Port, wildcard, AnyPort: false);
    }

    public bool Matches(Uri origin)
    {
        if (origin.Scheme != Scheme)
        {
            return false;
        }

        if (!AnyPort && (origin.IsDefaultPort ? null : (int?)origin.Port) != Port)
        {
            return false;
        }

        var host = origin.IdnHost.ToLowerInvariant();
        return WildcardSubdomain
            ? host.EndsWith("." + Host, StringComparison.Ordinal) && host.Length > Host.Length + 1
            : host == Host;
    }
}
