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

    /// <summary>
    /// Statements each database connection prepares once and reuses (Npgsql's <c>Max Auto Prepare</c>): Netra runs
    /// a handful of statements over and over, and PostgreSQL then skips parsing and planning them. Applies unless
    /// the connection string sets <c>Max Auto Prepare</c> itself (0 turns preparing off, e.g. behind a pooler
    /// in transaction mode that does not keep prepared statements).
    /// </summary>
    [Range(0, 1000)]
    public int MaxAutoPrepare { get; set; } = 64;

    /// <summary>
    /// Loops that write with group commit (<see cref="GroupCommitQueue{T}"/>), one connection each in the writers' pool
    /// (<see cref="StorageExtensions.Writers"/>). Not configuration (configuration cannot set it): the features that run
    /// such loops add theirs.
    /// </summary>
    public int WriterLoops { get; internal set; }
}
