using FluentAssertions;
using Microsoft.Extensions.Options;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Agents;

/// <summary>Bad agent settings stop the node at start-up, naming the key.</summary>
public sealed class AgentConfigurationTests
{
    [Theory]
    [InlineData("Netra:Agents:MaxConcurrentRunsPerUser", "0", "Netra__Agents__MaxConcurrentRunsPerUser")]
    [InlineData("Netra:Agents:MaxRunSeconds", "0", "Netra__Agents__MaxRunSeconds")]
    [InlineData("Netra:Agents:DemoTokenDelayMs", "-1", "Netra__Agents__DemoTokenDelayMs")]
    [InlineData("Netra:Agents:DefaultAgent", "Not A Name", "Netra__Agents__DefaultAgent")]
    public async Task ABadValueStopsStartUpNamingItsKey(string key, string value, string environmentVariable)
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

        var start = () => NetraTestServer.StartAsync(database, new Dictionary<string, string?> { [key] = value });

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(environmentVariable);
    }

    [Fact]
    public async Task ADefaultAgentThatIsNotRegisteredStopsStartUp()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

        var start = () => NetraTestServer.StartAsync(database, new Dictionary<string, string?> { ["Netra:Agents:DefaultAgent"] = "missing" });

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Netra__Agents__DefaultAgent").And.Contain("demo");
    }
}
