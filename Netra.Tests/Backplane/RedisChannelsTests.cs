using FluentAssertions;
using Netra.Server.Backplane;
using Xunit;

namespace Netra.Tests.Backplane;

public sealed class RedisChannelsTests
{
    [Fact]
    public void EveryChannelNameStartsWithThePrefixAndTheHub()
    {
        var channels = new RedisChannels("app1", "Netra.Hub");

        channels.All.Should().Be("app1:Netra.Hub:all");
        channels.Group("chat:7").Should().Be("app1:Netra.Hub:group:chat:7");
        channels.Users.Should().Be("app1:Netra.Hub:users");
        channels.Connections.Should().Be("app1:Netra.Hub:connections");
        channels.GroupManagement.Should().Be("app1:Netra.Hub:internal:groups");
        channels.Ack("node-1").Should().Be("app1:Netra.Hub:internal:ack:node-1");
    }

    [Fact]
    public void TwoPrefixesNeverShareAChannel()
    {
        var (one, two) = (new RedisChannels("app1", "H"), new RedisChannels("app2", "H"));

        one.All.Should().NotBe(two.All);
        one.Group("g").Should().NotBe(two.Group("g"));
    }
}
