using System.ComponentModel.DataAnnotations;

namespace Netra.Server.Uploads;

/// <summary>File uploads (<c>Netra__Uploads__*</c>).</summary>
internal sealed class UploadOptions
{
    public const string SectionName = "Netra:Uploads";

    /// <summary>Largest file accepted, in bytes (default 5 MiB).</summary>
    [Range(1, 100 * 1024 * 1024)]
    public int MaxBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>
    /// Content types accepted, as recognised from the file's bytes: any of <c>image/png</c>, <c>image/jpeg</c>,
    /// <c>image/gif</c>, <c>image/webp</c>, <c>application/pdf</c>, <c>text/plain</c> (all by default).
    /// </summary>
    public string[] AllowedTypes { get; set; } = [.. FileSniffer.Known.Keys];

    /// <summary>
    /// An upload that no message carries (never attached, or its message was deleted) is deleted, file and record,
    /// once this many hours have passed since it was uploaded or last offered as an attachment.
    /// </summary>
    [Range(1, 24 * 366)]
    public int UnattachedHours { get; set; } = 24;

    /// <summary>
    /// Bytes one user's uploads that no message carries may hold (default 100 MiB): once they hold this much, the next
    /// upload is refused until a message carries one of them or the sweep deletes them (<see cref="UnattachedHours"/>).
    /// Uploads in progress count by their declared length. The upload that crosses the line is still taken, so a user
    /// holds at most this plus <see cref="MaxBytes"/>.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxUnattachedBytesPerUser { get; set; } = 100 * 1024 * 1024;

    /// <summary>
    /// Bytes one user may upload within any 24 hours, carried by messages or not (default 1 GiB): once their uploads
    /// of the last 24 hours (with those in progress) hold this much, the next upload is refused. As above, the one that
    /// crosses it is taken.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxBytesPerUserPerDay { get; set; } = 1024L * 1024 * 1024;

    /// <summary>How often each node looks for uploads to delete (<see cref="UnattachedHours"/>).</summary>
    [Range(1, 24 * 3600)]
    public int SweepSeconds { get; set; } = 600;

    /// <summary>Where files are kept; default <c>uploads</c> under <c>Netra:DataDirectory</c>. Every node of a cluster needs the same folder (a shared volume).</summary>
    public string? Directory { get; set; }
}
