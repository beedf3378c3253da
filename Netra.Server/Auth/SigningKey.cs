using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Netra.Server.Storage;

namespace Netra.Server.Auth;

/// <summary>
/// The HS256 key that signs and validates every token. Comes from configuration; in Development
/// without one, a random key is generated once and kept in <c>{DataDirectory}/dev-signing-key</c>
/// so that tokens survive a restart.
/// </summary>
internal sealed class SigningKey
{
    public SigningKey(IOptions<AuthOptions> options, IOptions<DataDirectoryOptions> dataDirectory, ILogger<SigningKey> logger)
    {
        var text = options.Value.SigningKey;
        if (string.IsNullOrEmpty(text))
        {
            var path = Path.Combine(dataDirectory.Value.Path, "dev-signing-key");
            text = LoadOrCreateDevelopmentKey(path);
            AuthLog.UsingDevelopmentKey(logger, path);
        }

        Key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(text)) { KeyId = "netra-hs256" };
    }

    public SymmetricSecurityKey Key { get; }

    private static string LoadOrCreateDevelopmentKey(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (Encoding.UTF8.GetByteCount(existing) >= AuthOptionsValidator.MinimumKeyBytes)
            {
                return existing;
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        File.WriteAllText(path, key);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return key;
    }
}
