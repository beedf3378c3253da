using System.Text;
using Microsoft.Extensions.Options;

namespace Netra.Server.Auth;

/// <summary>Refuses to start with a missing or short signing key, except that Development may generate one.</summary>
internal sealed class AuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<AuthOptions>
{
    public const int MinimumKeyBytes = 32;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            return environment.IsDevelopment()
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(
                    $"Netra:Auth:SigningKey is required outside Development (set Netra__Auth__SigningKey to at least {MinimumKeyBytes} bytes of random text).");
        }

        var bytes = Encoding.UTF8.GetByteCount(options.SigningKey);
        return bytes >= MinimumKeyBytes
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Netra:Auth:SigningKey is {bytes} bytes; HS256 needs at least {MinimumKeyBytes} (256 bits).");
    }
}
