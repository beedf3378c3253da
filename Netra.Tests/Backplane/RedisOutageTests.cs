using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Netra.Client;
using Netra.Contracts;
using Netra.Contracts.Agents;
using Netra.Contracts.Chat;
using Netra.Contracts.Events;
using Netra.Contracts.Realtime;
using Netra.Server.Realtime;
using Netra.Tests.Agents;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Backplane;

/// <summary>Nodes whose Redis is down when they start: they serve their own clients, and join up when Redis returns.</summary>
/// <remarks>
/// Users are played by Netra.Client. Carol, on the node cut off from the others, fills a gap as any user's client does: what
/// she missed during the outage is fetched when the next message shows it.
/// </remarks>
public sealed class RedisOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(45);

    private RedisServer redis = null!;
    private string database = null!;
    private NetraTestServer a = null!;
    private NetraTestServer b = null!;

    public async Task InitializeAsync()
    {
        redis = await RedisServer.StartAsync();
        database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var node in new[] { a, b })
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }

        await redis.DisposeAsync();
    }

    [Fact]
    public async Task ANodeStartedWithRedisDownServesItsOwnClientsAndJoinsTheOthersWhenRedisReturns()
    {
        await redis.StopAsync();
        await StartNodesAsync();
        await using var conversation = await StartConversationAsync();
        var (chat, carol, aliceOnA, bobOnA, carolOnB) = (conversation.Chat, conversation.Carol, conversation.AliceOnA, conversation.BobOnA, conversation.CarolOnB);

        // Redis is down: node A still stores and delivers to its own members.
        var sent = await aliceOnA.SendAsync(chat.Id, "while redis is down");
        (await bobOnA.Messages.NextAsync()).Id.Should().Be(sent.Id);
        (await aliceOnA.Messages.NextAsync()).Id.Should().Be(sent.Id);

        await redis.RestartAsync();

        await AwaitCrossNodeDeliveryAsync(carol, carolOnB);
        var after = await aliceOnA.SendAsync(chat.Id, "after redis came back");
        // The live one reaches carol, and shows her client the one it missed, which it fetches and delivers first.
        (await carolOnB.Messages.TakeAsync(2)).Select(m => m.Id).Should().Equal(sent.Id, after.Id);
    }

    [Fact]
    public async Task WhenRedisStopsMidConversationNodesKeepServingLocallyAndCrossNodeDeliveryResumesWhenItReturns()
    {
        await StartNodesAsync();
        await using var conversation = await StartConversationAsync();
        var (chat, carol, aliceOnA, bobOnA, carolOnB) = (conversation.Chat, conversation.Carol, conversation.AliceOnA, conversation.BobOnA, conversation.CarolOnB);

        var before = await aliceOnA.SendAsync(chat.Id, "before the outage");
        (await carolOnB.Messages.NextAsync()).Id.Should().Be(before.Id);

        await redis.StopAsync();
        var during = await aliceOnA.SendAsync(chat.Id, "during the outage");
        during.Seq.Should().Be(before.Seq + 1, "storing does not depend on Redis");
        (await bobOnA.Messages.NextAsync()).Id.Should().Be(before.Id);
        (await bobOnA.Messages.NextAsync()).Id.Should().Be(during.Id, "node A still serves its own clients");

        await redis.RestartAsync();
        await AwaitCrossNodeDeliveryAsync(carol, carolOnB);

        var after = await aliceOnA.SendAsync(chat.Id, "after the outage");
        // The live one reaches carol, and shows her client the gap: the message sent during the outage is fetched (a
        // subscribe from the last seq she has) and delivered before it.
        (await carolOnB.Messages.TakeAsync(2)).Select(m => m.Id).Should().Equal(during.Id, after.Id);
    }

    [Fact]
    public async Task PresenceWrittenWhileRedisWasDownIsWrittenAgainWhenItReturnsAndEveryNodeAgrees()
    {
        await StartNodesAsync();
        var api = new NetraApi(a);
        var (dave, erin) = (await api.CreateUserAsync("dave"), await api.CreateUserAsync("erin"));
        await using var erinOnB = await UserClient.ConnectAsync(b, erin);

        await redis.StopAsync();
        await using var daveOnA = await UserClient.ConnectAsync(a, dave); // its presence cannot be written now
        await daveOnA.Client.PingAsync().WaitAsync(TestTimeouts.Network); // node A serves dave meanwhile
        await redis.RestartAsync(); // an empty Redis: every node must write its connections again

        var deadline = DateTimeOffset.UtcNow + RecoveryTimeout;
        var seenOnB = new List<long>();
        while (DateTimeOffset.UtcNow < deadline && !(seenOnB.Contains(dave.Id) && seenOnB.Contains(erin.Id)))
        {
            await Task.Delay(500);
            seenOnB = await OnlineAsync(b, erin);
        }

        seenOnB.Should().Contain([dave.Id, erin.Id], "both nodes wrote their connections again once Redis answered");
        (await OnlineAsync(a, dave)).Should().Contain([dave.Id, erin.Id], "every node gives the same answer");
    }

    private static async Task<List<long>> OnlineAsync(NetraTestServer node, TestUser asker)
    {
        using var http = new NetraApi(node).CreateClient(asker);
        using var response = await http.GetAsync("/api/presence");
        return response.IsSuccessStatusCode
            ? (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<List<PresenceChangedEvent>>(response.Content, NetraApi.Json))!.Select(p => p.UserId).ToList()
            : [];
    }

    [Fact]
    public async Task WhileRedisIsDownEachNodeCountsAUsersConnectionsAndAgentRunsAlone()
    {
        await StartNodesAsync();
        var user = await new NetraApi(a).CreateUserAsync("offline");
        await redis.StopAsync();
        var open = new List<HubTestClient>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                open.Add(await HubTestClient.ConnectAsync(a, user));
                await open[^1].NextAsync<ConnectionEstablishedEvent>(nameof(INetraClient.ConnectionEstablished));
            }

            // Node A still holds the user to the limit with its own count...
            await using var sixthOnA = await HubTestClient.ConnectAsync(a, user);
            (await sixthOnA.NextAsync<ErrorEvent>(nameof(INetraClient.Error))).Code.Should().Be(ErrorCodes.ConnectionLimit);
            a.Logs.Lines.Should().Contain(line => line.EventId.Id == 8004, "the fallback is logged");

            // ... and node B, which cannot see A's count, lets the user in and runs their agents, counting them alone.
            await using var onB = await UserClient.ConnectAsync(b, user);
            await using var run = onB.Client.StartAgentRunAsync(new StartAgentRunRequest(null, "what is 2 + 2", null)).GetAsyncEnumerator();
            (await AgentStreams.NextAsync(run)).Type.Should().Be(AgentEventTypes.AgentStarted);
            b.Logs.Lines.Should().Contain(line => line.EventId.Id == 13008, "the fallback is logged");
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task RemovingAMemberWhileRedisIsDownChangesNothingAndSucceedsOnceItIsBack()
    {
        await StartNodesAsync();
        var api = new NetraApi(a);
        var (owner, bob) = (await api.CreateUserAsync("owner"), await api.CreateUserAsync("removed"));
        var chat = await api.CreateChatAsync(owner, bob);
        await using var ownerOnA = await UserClient.ConnectAsync(a, owner);
        // Bob's connection is read raw, so that what the server sends shows, whatever a client library would drop.
        await using var bobOnA = await RawHubClient.ConnectAsync(a, bob.Token);
        foreach (var channel in new[] { Channels.Chat(chat.Id), Channels.Alerts })
        {
            (await bobOnA.InvokeRawAsync("Subscribe", $"[\"{channel}\",null]")).TryGetProperty("result", out _).Should().BeTrue();
        }

        await redis.StopAsync();
        using var http = api.CreateClient(owner);
        using (var refused = await http.DeleteAsync($"/api/chats/{chat.Id}/members/{bob.Id}"))
        {
            ((int)refused.StatusCode).Should().BeGreaterThanOrEqualTo(500);
            (await NetraApi.ReadCodeAsync(refused)).Should().Be(ErrorCodes.Internal);
            refused.Headers.RetryAfter?.Delta.Should().Be(TimeSpan.FromSeconds(5));
        }

        // Said once, as the warning of a foreseen failure, not as an unexpected error with its stack.
        a.Logs.Lines.Should().Contain(line => line.EventId.Id == 11504 && line.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        a.Logs.Lines.Should().NotContain(line => line.Level >= Microsoft.Extensions.Logging.LogLevel.Error && line.Category.StartsWith("Netra.Server.Errors", StringComparison.Ordinal));

        // Nothing changed: bob is still a member and still gets the chat.
        (await api.GetMessagesAsync(bob, chat.Id)).Should().BeEmpty();
        var during = await ownerOnA.SendAsync(chat.Id, "still a member");
        RawHubClient.SeqOf((await bobOnA.NextInvocationsAsync("NewMessage")).Single()).Should().Be(during.Seq);

        await redis.RestartAsync();
        await Eventually.UntilAsync(async () =>
        {
            using var removal = await http.DeleteAsync($"/api/chats/{chat.Id}/members/{bob.Id}");
            return removal.StatusCode == System.Net.HttpStatusCode.NoContent;
        });

        // Removed now: a message after it does not reach bob; an alert published after the message does.
        await ownerOnA.SendAsync(chat.Id, "after the removal");
        using var service = api.CreateServiceClient();
        (await service.PostAsJsonAsync("/api/alerts", new { alertId = "a-1", severity = "info", message = "after the message" })).StatusCode
            .Should().Be(System.Net.HttpStatusCode.Accepted);
        var targets = await bobOnA.TargetsUntilAsync("AlertTriggered");

        targets.Should().NotContain("NewMessage");
    }

    private async Task StartNodesAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString + ",connectTimeout=1000",
        };
        a = await NetraTestServer.StartAsync(database, settings);
        b = await NetraTestServer.StartAsync(database, settings);
    }

    /// <summary>Sends probes from node A to the user until one reaches their connection on node B, within a bounded wait.</summary>
    private async Task AwaitCrossNodeDeliveryAsync(TestUser user, UserClient onB)
    {
        var hub = a.Services.GetRequiredService<IHubContext<NetraHub, INetraClient>>();
        var deadline = DateTimeOffset.UtcNow + RecoveryTimeout;
        var delivered = false;
        for (var probe = 0; !delivered && DateTimeOffset.UtcNow < deadline; probe++)
        {
            await hub.Clients.User(user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .ChannelEvent(new ChannelEventMessage("test", probe, "probe", JsonSerializer.SerializeToElement(probe), DateTimeOffset.UtcNow))
                .WaitAsync(TestTimeouts.Network);
            // Waits without taking the event (an abandoned NextAsync would swallow a later one).
            delivered = !await onB.ChannelEvents.StaysQuietAsync();
        }

        delivered.Should().BeTrue(
            $"cross-node delivery should resume within {RecoveryTimeout.TotalSeconds} s of Redis coming back; backplane logs:\n{BackplaneLogs()}");
    }

    private string BackplaneLogs() => string.Join(
        "\n",
        new[] { ("A", a), ("B", b) }.SelectMany(node => node.Item2.Logs.Lines
            .Where(l => l.EventId.Id is >= 7000 and < 7100)
            .Select(l => $"{node.Item1} {l.EventId.Id} {l.Message} {l.Exception?.GetType().Name}: {l.Exception?.Message}")));

    /// <summary>Alice and Bob on node A, Carol on node B, all subscribed to one chat.</summary>
    private async Task<Conversation> StartConversationAsync()
    {
        var api = new NetraApi(a);
        var (alice, bob, carol) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"), await api.CreateUserAsync("carol"));
        var chat = await api.CreateChatAsync(alice, bob, carol);
        var carolsClient = UserClient.StrictOptions(b, carol.Token);
        carolsClient.GapTimeout = new NetraClientOptions().GapTimeout;
        var conversation = new Conversation(
            chat, carol, await UserClient.ConnectAsync(a, alice), await UserClient.ConnectAsync(a, bob), await UserClient.ConnectAsync(carolsClient));
        foreach (var client in new[] { conversation.AliceOnA, conversation.BobOnA, conversation.CarolOnB })
        {
            await client.Established.NextAsync();
            await client.SubscribeAsync(Channels.Chat(chat.Id));
        }

        return conversation;
    }

    private sealed record Conversation(ChatSummary Chat, TestUser Carol, UserClient AliceOnA, UserClient BobOnA, UserClient CarolOnB) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await AliceOnA.DisposeAsync();
            await BobOnA.DisposeAsync();
            await CarolOnB.DisposeAsync();
        }
    }
}
