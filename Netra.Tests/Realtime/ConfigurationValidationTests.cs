using FluentAssertions;
using Microsoft.Extensions.Options;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Realtime;

/// <summary>A bad configuration value stops the node at start-up with a message that names the key to fix.</summary>
public sealed class ConfigurationValidationTests
{
    [Theory]
    [InlineData("Netra:Limits:MaxMessageBytes", "10", "Netra__Limits__MaxMessageBytes")]
    [InlineData("Netra:Limits:MessagesPerMinute", "0", "Netra__Limits__MessagesPerMinute")]
    [InlineData("Netra:Realtime:ClientTimeoutSeconds", "20", "Netra__Realtime__ClientTimeoutSeconds")]
    [InlineData("Netra:Chat:MaxContentLength", "-1", "Netra__Chat__MaxContentLength")]
    [InlineData("Netra:Auth:TokenLifetimeMinutes", "0", "Netra__Auth__TokenLifetimeMinutes")]
    [InlineData("Netra:Presence:StopGraceSeconds", "-1", "Netra__Presence__StopGraceSeconds")]
    [InlineData("Netra:Presence:StopGraceSeconds", "20", "StopGraceSeconds must be at most")]
    public async Task ABadValueStopsStartUpNamingItsKey(string key, string value, string environmentVariable)
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("Netra:Realtime", StringComparison.Ordinal))
        {
            settings["Netra:Realtime:KeepAliveSeconds"] = "15";
        }

        var start = () => NetraTestServer.StartAsync(database, settings);

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(environmentVariable);
    }
}
