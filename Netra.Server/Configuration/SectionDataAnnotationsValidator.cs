using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Netra.Server.Configuration;

/// <summary>
/// Data-annotation validation whose messages name the configuration key and its environment variable
/// (<c>Netra:Limits:MaxMessageBytes (Netra__Limits__MaxMessageBytes): ...</c>), so the operator
/// whose node refused to start knows exactly what to fix.
/// </summary>
internal sealed class SectionDataAnnotationsValidator<TOptions>(string sectionName) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            return ValidateOptionsResult.Success;
        }

        return ValidateOptionsResult.Fail(results.Select(result =>
        {
            var member = result.MemberNames.FirstOrDefault();
            if (member is null || result.ErrorMessage?.Contains("__", StringComparison.Ordinal) == true)
            {
                // No member, or a message that already names the key to set (e.g. ConnectionStrings__Postgres).
                return $"{sectionName}: {result.ErrorMessage}";
            }

            var key = $"{sectionName}:{member}";
            return $"{key} ({key.Replace(":", "__", StringComparison.Ordinal)}): {result.ErrorMessage}";
        }));
    }
}
