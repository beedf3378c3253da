using System.ComponentModel.DataAnnotations;

namespace Netra.Server.Storage;

internal sealed class StorageOptions
{
    public const string SectionName = "Netra:Storage";

    /// <summary>From <c>ConnectionStrings:Postgres</c> (<c>ConnectionStrings__Postgres</c>).</summary>
    [Required(ErrorMessage = "ConnectionStrings:Postgres is required (set ConnectionStrings__Postgres).")]
    public string? ConnectionString { get; set; }

    /// <summary>How long start-up waits for PostgreSQL to accept connections before giving up.</summary>
    [Range(0, 600)]
    public int StartupTimeoutSeconds { get; set; } = 30;
}
