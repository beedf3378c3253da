namespace Netra.Server.Protection;

/// <summary>
/// Browser origins allowed to call the API and open the hub (<c>Netra__Origins__Allowed__0</c>, ...).
/// Entries are exact origins (<c>https://app.example.com</c>, <c>http://localhost:5173</c>) or one
/// wildcard label (<c>https://*.example.com</c>). In Development, <c>http://localhost</c> and
/// <c>http://127.0.0.1</c> on any port are allowed too. A page served by Netra itself (same origin)
/// is always allowed; requests without an <c>Origin</c> header (non-browser clients) are too.
/// </summary>
internal sealed class OriginOptions
{
    public const string SectionName = "Netra:Origins";

    public string[] Allowed { get; set; } = [];
}
