using FluentAssertions;
using Microsoft.Extensions.Options;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Auth;

public sealed class SigningKeyTests
{
    [Theory]
    [InlineData("Production", null)]
    [InlineData("Staging", "")]
    [InlineData("Production", "too-short-for-hs256")]
    [InlineData("Development", "too-short-for-hs256")]
    public async Task TheServerRefusesToStartWithoutAStrongSigningKey(string environment, string? key)
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

        var start = () => NetraTestServer.StartAsync(database, new Dictionary<string, string?> { ["Netra:Auth:SigningKey"] = key }, environment);

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*SigningKey*");
    }

    [Fact]
    public async Task DevelopmentGeneratesAKeyOnceAndKeepsItInTheDataDirectory()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "netra-key-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["Netra:Auth:SigningKey"] = null, ["Netra:DataDirectory"] = dataDirectory };
        try
        {
            string token;
            await using (var first = await NetraTestServer.StartAsync(database, settings, "Development"))
            {
                token = (await new NetraApi(first).CreateUserAsync("dev")).Token;
            }

            var keyFile = Path.Combine(dataDirectory, "dev-signing-key");
            File.Exists(keyFile).Should().BeTrue();
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(keyFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            // A restart keeps the key, so the token issued before it still opens the hub.
            await using var second = await NetraTestServer.StartAsync(database, settings, "Development");
            await using var client = await UserClient.ConnectAsync(second, token);
            client.Client.State.Should().Be(Netra.Client.NetraConnectionState.Connected);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
