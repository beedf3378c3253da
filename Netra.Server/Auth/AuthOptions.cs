using System.ComponentModel.DataAnnotations;

namespace Netra.Server.Auth;

internal sealed class AuthOptions
{
    public const string SectionName = "Netra:Auth";

    /// <summary>
    /// HS256 key as UTF-8 text of at least 32 bytes (<c>Netra__Auth__SigningKey</c>). Required outside
    /// Development; in Development a random key is generated once and kept in the data directory.
    /// </summary>
    public string? SigningKey { get; set; }

    [Required]
    public string Issuer { get; set; } = "netra";

    [Required]
    public string Audience { get; set; } = "netra";

    [Range(1, 7 * 24 * 60)]
    public int TokenLifetimeMinutes { get; set; } = 12 * 60;

    /// <summary>Clock skew tolerated when checking a token's lifetime.</summary>
    [Range(0, 300)]
    public int ClockSkewSeconds { get; set; } = 30;
}
