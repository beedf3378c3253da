namespace Netra.Contracts.Uploads;

/// <summary>
/// Answer of <c>POST /api/uploads</c>: <see cref="Path"/> (<c>/uploads/{name}</c>) is what a message's
/// <c>attachment</c> carries; <see cref="ContentType"/> is what the bytes were recognised as.
/// </summary>
public sealed record UploadResult(string Path, string ContentType, long Size, string FileName);
