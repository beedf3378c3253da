using FluentAssertions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Netra.Server.Backplane;
using Netra.Server.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Backplane;

/// <summary>AddNetraBackplane: Redis only with a Redis connection string, and its options checked at start.</summary>
public sealed class BackplaneRegistrationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public void WithoutARedisConnectionStringTheNodeRunsAloneOnNetrasManagerWithoutRedis()
    {
        var manager = fixture.Server.Services.GetRequiredService<HubLifetimeManager<NetraHub>>();

        manager.Should().BeOfType<NetraHubLifetimeManager<NetraHub>>().Which.IsScaledOut.Should().BeFalse();
        fixture.Server.Services.GetService<RedisConnection>().Should().BeNull();
    }

    [Theory]
    [InlineData("Netra:Backplane:ChannelPrefix", "has space")]
    [InlineData("Netra:Backplane:ChannelPrefix", "")]
    [InlineData("Netra:Backplane:AckTimeoutSeconds", "0")]
    public async Task ABadBackplaneSettingStopsTheNodeAtStartNamingTheKey(string key, string value)
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = "127.0.0.1:1",
            [key] = value,
        };

        var start = () => NetraTestServer.StartAsync(database, settings);

        var error = await start.Should().ThrowAsync<OptionsValidationException>();
        error.Which.Message.Should().Contain(key.Split(':')[^1]);
    }
}
