using Microsoft.Extensions.Options;

namespace Netra.Server.Protection;

/// <summary>Stops start-up on an unsafe or malformed origin pattern, naming it.</summary>
internal sealed class OriginOptionsValidator : IValidateOptions<OriginOptions>
{
    public ValidateOptionsResult Validate(string? name, OriginOptions options)
    {
        var errors = new List<string>();
        foreach (var entry in options.Allowed)
        {
            if (OriginPattern.Parse(entry, out var error) is null)
            {
                errors.Add($"Netra:Origins:Allowed: {error}");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
