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

    /// <summary>Where files are kept; default <c>uploads</c> under <c>Netra:DataDirectory</c>. Every node of a cluster needs the same folder (a shared volume).</summary>
    public string? Directory { get; set; }
}
