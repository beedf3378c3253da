using Microsoft.Extensions.Options;

namespace Netra.Server.Uploads;

/// <summary>Only types Netra can recognise from the bytes may be allowed; none means uploads are refused, which is allowed.</summary>
internal sealed class UploadOptionsValidator : IValidateOptions<UploadOptions>
{
    public ValidateOptionsResult Validate(string? name, UploadOptions options)
    {
        var unknown = options.AllowedTypes.Where(type => !FileSniffer.Known.ContainsKey(type)).ToList();
        return unknown.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{UploadOptions.SectionName}:AllowedTypes (Netra__Uploads__AllowedTypes__N): {string.Join(", ", unknown)} cannot be recognised from a file's bytes; " +
                $"use {string.Join(", ", FileSniffer.Known.Keys)}.");
    }
}
