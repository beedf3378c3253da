using System.Net.Http.Json;
using FluentAssertions;
using Netra.Client;
using Netra.Contracts;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Protection;

/// <summary>
/// A connection follows at most <c>Netra__Limits__MaxSubscriptionsPerConnection</c> channels: one more is refused
/// with RATE_LIMITED and changes nothing, a channel it follows already may be subscribed again, leaving one makes room,
/// and every connection has a budget of its own.
/// </summary>
public sealed class SubscriptionLimitTests
{
    [Fact]
    public async Task OneChannelTooManyIsRefusedAndLeavingOneMakesRoom()
    {
        await using var server = await NetraTestServer.StartWithLimitAsync("MaxSubscriptionsPerConnection", 3);
        var user = await new NetraApi(server).CreateUserAsync("subs");
        await using var tab = await UserClient.ConnectAsync(server, user);
        foreach (var channel in new[] { "presence", "issue:1", "issue:2" })
        {
            await tab.SubscribeAsync(channel);
        }

        var refused = await Expect.RefusedAsync(() => tab.Client.SubscribeAsync("issue:3"), ErrorCodes.RateLimited);
        refused.Message.Should().Be("RATE_LIMITED: 3 subscriptions per connection at most; unsubscribe from one first.");
        tab.Client.State.Should().Be(NetraConnectionState.Connected);

        await using var otherTab = await UserClient.ConnectAsync(server, user);
        foreach (var channel in new[] { "issue:3", "issue:4", "issue:5" })
        {
            await otherTab.SubscribeAsync(channel);
        }

        // The refused subscribe joined nothing: of issue 3's update and then issue 2's, the first tab gets only the second.
        using var service = new NetraApi(server).CreateServiceClient();
        foreach (var issue in new[] { 3, 2 })
        {
            (await service.PostAsJsonAsync($"/api/issues/{issue}/events", new { updateType = "opened", data = new { } })).EnsureSuccessStatusCode();
        }

        (await tab.IssueUpdates.NextAsync()).Channel.Should().Be("issue:2");
        (await otherTab.IssueUpdates.NextAsync()).Channel.Should().Be("issue:3");

        await tab.Client.UnsubscribeAsync("issue:1").WaitAsync(TestTimeouts.Network);
        await tab.SubscribeAsync("issue:3");
        await Expect.RefusedAsync(() => tab.Client.SubscribeAsync("issue:1"), ErrorCodes.RateLimited);

        // A channel the connection follows already may be subscribed again when full (the library would not send it).
        await using var raw = await RawHubClient.ConnectAsync(server, user.Token);
        foreach (var channel in new[] { "issue:7", "issue:8", "issue:9", "issue:9" })
        {
            (await raw.InvokeRawAsync("Subscribe", $"[\"{channel}\",null]")).TryGetProperty("error", out _).Should().BeFalse(channel);
        }

        (await raw.InvokeRawAsync("Subscribe", "[\"issue:10\",null]")).GetProperty("error").GetString().Should().StartWith("RATE_LIMITED: 3 subscriptions");
    }

    [Fact]
    public async Task AConnectionThatSubscribesWithoutEndStopsAtTheDefaultCapWhileOthersChat()
    {
        // The call limit is raised so that the cap, at its default, is what stops the flood.
        await using var server = await NetraTestServer.StartWithLimitAsync("CallsPerMinute", 100000);
        await using var scene = await HonestChat.StartAsync(server);
        await using var flood = await RawHubClient.ConnectAsync(server, scene.Mallory.Token);

        var refused = new List<string>();
        for (var issue = 1; issue <= 1_200; issue++)
        {
            var completion = await flood.InvokeRawAsync("Subscribe", $"[\"issue:{issue}\",null]");
            if (completion.TryGetProperty("error", out var error))
            {
                refused.Add(error.GetString()!);
            }

            if (issue % 300 == 0)
            {
                await scene.Alice.SendAsync(scene.ChatId, $"honest {issue / 300}");
            }
        }

        refused.Should().HaveCount(200).And.AllSatisfy(e => e.Should().Be("RATE_LIMITED: 1000 subscriptions per connection at most; unsubscribe from one first."));
        (await scene.Bob.Messages.TakeAsync(4)).Select(m => m.Content).Should().Equal("honest 1", "honest 2", "honest 3", "honest 4");
        server.Logs.Lines.Where(l => l.Category.StartsWith("Netra", StringComparison.Ordinal) && l.Level >= Microsoft.Extensions.Logging.LogLevel.Error)
            .Should().BeEmpty("a refused subscribe is expected input");
    }
}
