using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Contracts.Uploads;
using Netra.Server.Errors;
using Netra.Server.Storage;
using Npgsql;

namespace Netra.Server.Uploads;

/// <summary>
/// Stores uploaded files: size limit, type recognised from the bytes (<see cref="FileSniffer"/>) and checked against
/// the allow-list and the declared type, kept on disk under a random name, owned by the uploader in PostgreSQL.
/// A chat message may carry only its sender's own uploads as its attachment.
/// </summary>
internal sealed partial class UploadService(
    UploadStore store,
    IOptions<UploadOptions> options,
    IOptions<DataDirectoryOptions> dataDirectory,
    ILogger<UploadService> logger)
{
    public const string RoutePrefix = "/uploads/";
    public const int MaxFileNameLength = 100;

    /// <summary>Uploads deleted per statement by <see cref="SweepAsync"/>.</summary>
    public const int SweepBatch = 500;

    /// <summary>Extra room for the multipart framing around the file, over <see cref="UploadOptions.MaxBytes"/>.</summary>
    public const int MultipartOverheadBytes = 64 * 1024;

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["image/jpg"] = FileSniffer.Jpeg,
        ["image/pjpeg"] = FileSniffer.Jpeg,
        ["application/x-pdf"] = FileSniffer.Pdf,
    };

    public string Directory { get; } = Path.GetFullPath(
        string.IsNullOrWhiteSpace(options.Value.Directory) ? Path.Combine(dataDirectory.Value.Path, "uploads") : options.Value.Directory);

    /// <summary>How long a reservation counts; an upload still running then is no longer counted until it is recorded.</summary>
    public static readonly TimeSpan ReservationHold = TimeSpan.FromHours(1);

    /// <summary>
    /// Refuses the user's next upload (429 <c>RATE_LIMITED</c>) while their uploads that no message carries, with those
    /// in progress, hold <see cref="UploadOptions.MaxUnattachedBytesPerUser"/> bytes or more, or those of the last 24 hours
    /// with those in progress <see cref="UploadOptions.MaxBytesPerUserPerDay"/>: uploads are not a way to fill the disk.
    /// Checked before the body is read. Otherwise reserves the request's declared length (<paramref name="declaredBytes"/>;
    /// the most an upload may send when it declares none) until <see cref="ReleaseAsync"/>, so that uploads sent at the
    /// same moment count against each other. Returns the reservation.
    /// </summary>
    public async Task<long> ReserveAsync(long userId, long? declaredBytes, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var most = settings.MaxBytes + MultipartOverheadBytes;
        var bytes = declaredBytes is >= 0 && declaredBytes < most ? declaredBytes.Value : most;
        var (held, reservation) = await store.TryReserveAsync(
            userId,
            bytes,
            ReservationHold,
            held => held.Unattached + held.InProgress < settings.MaxUnattachedBytesPerUser && held.LastDay + held.InProgress < settings.MaxBytesPerUserPerDay,
            cancellationToken);
        if (reservation is { } id)
        {
            return id;
        }

        var inProgress = held.InProgress > 0 ? $", with {held.InProgress} bytes of uploads in progress," : "";
        if (held.Unattached + held.InProgress >= settings.MaxUnattachedBytesPerUser)
        {
            throw Refuse(userId, ErrorCodes.RateLimited,
                $"Your uploads that no message carries hold {held.Unattached} bytes{inProgress} the most allowed is {settings.MaxUnattachedBytesPerUser} (Netra:Uploads:MaxUnattachedBytesPerUser): " +
                $"send a message with one of them, or wait until unused ones are deleted ({settings.UnattachedHours} h after upload).");
        }

        throw Refuse(userId, ErrorCodes.RateLimited,
            $"Your uploads of the last 24 hours hold {held.LastDay} bytes{inProgress} the most allowed is {settings.MaxBytesPerUserPerDay} (Netra:Uploads:MaxBytesPerUserPerDay): " +
            "upload again once older ones have left that window.");
    }

    /// <summary>
    /// Ends a reservation of <see cref="ReserveAsync"/>, once the upload is recorded or refused. If the database cannot be
    /// reached, the reservation is left to expire (<see cref="ReservationHold"/>) and the upload's answer stands.
    /// </summary>
    public async Task ReleaseAsync(long reservationId)
    {
        try
        {
            await store.ReleaseAsync(reservationId, CancellationToken.None);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            UploadsLog.ReservationNotReleased(logger, reservationId, ReservationHold.TotalMinutes, exception);
        }
    }

    public async Task<UploadResult> StoreAsync(long userId, IFormFile? file, int fileCount, CancellationToken cancellationToken)
    {
        if (file is null || fileCount != 1)
        {
            throw Refuse(userId, ErrorCodes.ValidationFailed, "Send exactly one file as multipart/form-data (field 'file').");
        }

        var limit = options.Value.MaxBytes;
        if (file.Length > limit)
        {
            throw Refuse(userId, ErrorCodes.MessageTooLarge, $"The file is {file.Length} bytes; the limit is {limit} (Netra:Uploads:MaxBytes).");
        }

        if (file.Length == 0)
        {
            throw Refuse(userId, ErrorCodes.ValidationFailed, "The file is empty.");
        }

        System.IO.Directory.CreateDirectory(Directory);
        var name = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var partial = Path.Combine(Directory, name + ".part");
        try
        {
            long size;
            await using (var target = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await using var source = file.OpenReadStream();
                await source.CopyToAsync(target, cancellationToken);
                size = target.Length;
            }

            if (size > limit)
            {
                throw Refuse(userId, ErrorCodes.MessageTooLarge, $"The file is larger than {limit} bytes (Netra:Uploads:MaxBytes).");
            }

            var contentType = await FileSniffer.SniffAsync(partial, cancellationToken)
                ?? throw Refuse(userId, ErrorCodes.ValidationFailed, $"The file's content is none of the accepted types ({string.Join(", ", options.Value.AllowedTypes)}); HTML, SVG and scripts are never accepted.");
            if (!options.Value.AllowedTypes.Contains(contentType, StringComparer.Ordinal))
            {
                throw Refuse(userId, ErrorCodes.ValidationFailed, $"Files of type {contentType} are not accepted here ({string.Join(", ", options.Value.AllowedTypes)}).");
            }

            var declared = Normalize(file.ContentType);
            if (declared is not null && declared != contentType)
            {
                throw Refuse(userId, ErrorCodes.ValidationFailed, $"The file was declared as {declared} but its content is {contentType}.");
            }

            var fileName = name + FileSniffer.Known[contentType];
            File.Move(partial, Path.Combine(Directory, fileName));
            var originalName = SafeFileName(file.FileName);
            try
            {
                await store.InsertAsync(fileName, userId, contentType, size, originalName, cancellationToken);
            }
            catch
            {
                File.Delete(Path.Combine(Directory, fileName)); // not recorded, so never served: nothing to keep
                throw;
            }

            UploadsLog.Stored(logger, userId, fileName, contentType, size);
            return new UploadResult(RoutePrefix + fileName, contentType, size, originalName);
        }
        finally
        {
            File.Delete(partial); // no-op once moved
        }
    }

    /// <summary>For <c>GET /uploads/{name}</c>: the file's path and type, or null when there is no such upload.</summary>
    public async Task<(string Path, string ContentType)?> FindAsync(string name, CancellationToken cancellationToken)
    {
        if (!StoredNamePattern().IsMatch(name))
        {
            return null;
        }

        var contentType = await store.FindContentTypeAsync(name, cancellationToken);
        var path = Path.Combine(Directory, name);
        return contentType is not null && File.Exists(path) ? (path, contentType) : null;
    }

    /// <summary>
    /// A message's attachment must be one of its sender's own uploads: anything else (someone else's upload, or a
    /// path that names no upload) is <c>FORBIDDEN</c>, the same answer either way.
    /// </summary>
    public async Task RequireOwnAsync(long userId, string attachment, CancellationToken cancellationToken)
    {
        var name = attachment.StartsWith(RoutePrefix, StringComparison.Ordinal) ? attachment[RoutePrefix.Length..] : "";
        if (!StoredNamePattern().IsMatch(name) || !await store.TryUseAsync(name, userId, cancellationToken))
        {
            UploadsLog.AttachmentRefused(logger, attachment, userId);
            throw ProblemException.Forbidden($"attachment must be one of your own uploads (POST /api/uploads returns its path); '{attachment}' is not.");
        }
    }

    /// <summary>
    /// Deletes the uploads no live message carries once <see cref="UploadOptions.UnattachedHours"/> have passed since
    /// they were uploaded or last offered as an attachment: the record first (from then on the file is never served),
    /// then the file. Then the files of the folder that no record names and that are as old (<see cref="SweepOrphanFilesAsync"/>).
    /// Returns how many uploads and files were deleted.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var unattachedFor = TimeSpan.FromHours(options.Value.UnattachedHours);
        var deleted = 0;
        IReadOnlyList<string> names;
        do
        {
            names = await store.DeleteUnattachedAsync(unattachedFor, SweepBatch, cancellationToken);
            foreach (var name in names)
            {
                TryDeleteFile(name);
            }

            deleted += names.Count;
        }
        while (names.Count == SweepBatch);

        if (deleted > 0)
        {
            UploadsLog.Swept(logger, deleted, options.Value.UnattachedHours);
        }

        await store.DeleteExpiredReservationsAsync(cancellationToken);
        return deleted + await SweepOrphanFilesAsync(unattachedFor, cancellationToken);
    }

    /// <summary>
    /// Deletes the files no upload record names, once they are <paramref name="unattachedFor"/> old: a <c>.part</c> left
    /// by a node that died while receiving it, a file whose record was never written (the node died in between) or
    /// whose delete failed after its record was deleted. Only names Netra gives its files are looked at, so nothing
    /// else kept in the folder is touched; the age keeps it off uploads that another node is storing right now.
    /// </summary>
    private async Task<int> SweepOrphanFilesAsync(TimeSpan unattachedFor, CancellationToken cancellationToken)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        var cutoff = DateTime.UtcNow - unattachedFor;
        var deleted = 0;
        var old = System.IO.Directory.EnumerateFiles(Directory)
            .Select(path => new FileInfo(path))
            .Where(file => (StoredNamePattern().IsMatch(file.Name) || PartialNamePattern().IsMatch(file.Name)) && file.Exists && file.LastWriteTimeUtc < cutoff)
            .Select(file => file.Name);
        foreach (var batch in old.Chunk(SweepBatch))
        {
            var recorded = await store.FindRecordedAsync(batch, cancellationToken);
            foreach (var name in batch)
            {
                if (!recorded.Contains(name) && TryDeleteFile(name))
                {
                    deleted++;
                }
            }
        }

        if (deleted > 0)
        {
            UploadsLog.OrphansSwept(logger, deleted, options.Value.UnattachedHours);
        }

        return deleted;
    }

    private bool TryDeleteFile(string name)
    {
        try
        {
            File.Delete(Path.Combine(Directory, name));
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Without its record the file is never served; only its space is not freed (the next sweep tries again).
            UploadsLog.FileNotDeleted(logger, name, exception);
            return false;
        }
    }

    /// <summary>The declared type without parameters, null when it says nothing (absent or application/octet-stream).</summary>
    private static string? Normalize(string? declared)
    {
        var type = declared?.Split(';')[0].Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(type) || type == "application/octet-stream")
        {
            return null;
        }

        return Aliases.GetValueOrDefault(type, type);
    }

    /// <summary>The client's file name for display only (never a path): its last segment, letters, digits, '.', '-', '_' and spaces.</summary>
    private static string SafeFileName(string? fileName)
    {
        var last = (fileName ?? "").Replace('\\', '/').Split('/')[^1];
        var safe = new StringBuilder();
        foreach (var c in last)
        {
            if (safe.Length < MaxFileNameLength && (char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ' '))
            {
                safe.Append(c);
            }
        }

        var result = safe.ToString().Trim().Trim('.');
        return result.Length > 0 ? result : "file";
    }

    private ProblemException Refuse(long userId, string code, string reason)
    {
        UploadsLog.Refused(logger, userId, reason);
        return new ProblemException(code, reason);
    }

    [GeneratedRegex("^[0-9a-f]{32}\\.(png|jpg|gif|webp|pdf|txt)\\z")]
    private static partial Regex StoredNamePattern();

    [GeneratedRegex("^[0-9a-f]{32}\\.part\\z")]
    private static partial Regex PartialNamePattern();
}
