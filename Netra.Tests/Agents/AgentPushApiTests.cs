using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Netra.Contracts;
using Netra.Contracts.Agents;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;
using static Netra.Tests.Agents.AgentStreams;

namespace Netra.Tests.Agents;

/// <summary>POST /api/agent-runs/{runId}/events: a service reports the steps of a run that executes elsewhere.</summary>
/// <remarks>Users are played by Netra.Client, but for one member on the wire (HubTestClient) who checks that a retried completion is not broadcast again.</remarks>
public sealed class AgentPushApiTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task OnlyServiceTokensMayPushEvents()
    {
        var alice = await Api.CreateUserAsync("plain");
        var body = new PushAgentEventRequest(alice.Id, null, null, AgentEventTypes.AgentStarted, 1, "hi", null, null);

        using (var anonymous = Api.CreateClient(null))
        {
            var response = await anonymous.PostAsJsonAsync("/api/agent-runs/run-1/events", body);
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        using var plain = Api.CreateClient(alice);
        var refused = await plain.PostAsJsonAsync("/api/agent-runs/run-1/events", body);
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await NetraApi.ReadCodeAsync(refused)).Should().Be(ErrorCodes.Forbidden);
    }

    [Fact]
    public async Task PushedEventsReachTheChatOnAnyNodeAndTheAnswerIsStoredOnceThoughPostedTwice()
    {
        var service = await fixture.CreateServiceAsync();
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var aliceOnB = await UserClient.ConnectAsync(fixture.Nodes[1], alice);
        // Bob watches the wire: NetraClient would drop a repeated broadcast of the stored answer itself.
        await using var bobOnA = await HubTestClient.ConnectAsync(fixture.Nodes[0], bob);
        await aliceOnB.SubscribeAsync(Channels.Chat(chat.Id));
        await bobOnA.SubscribeAsync(Channels.Chat(chat.Id));
        var runId = "ext-" + Guid.NewGuid().ToString("N");
        using var http = Api.CreateClient(service);
        PushAgentEventRequest[] steps =
        [
            new(alice.Id, chat.Id, "planner", AgentEventTypes.AgentStarted, 1, "plan my week", null, null),
            new(alice.Id, chat.Id, "planner", AgentEventTypes.AgentThinking, 2, "looking at the calendar", null, null),
            new(alice.Id, chat.Id, "planner", AgentEventTypes.ToolExecuting, 3, "week 47", "calendar", null),
            new(alice.Id, chat.Id, "planner", AgentEventTypes.PartialResult, 4, "Monday: ", null, null),
            new(alice.Id, chat.Id, "planner", AgentEventTypes.AgentCompleted, 5, "Monday: rest.", null, null),
        ];

        var accepted = new List<AgentEvent>();
        foreach (var step in steps)
        {
            var response = await http.PostAsJsonAsync($"/api/agent-runs/{runId}/events", step);
            response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
            accepted.Add((await response.Content.ReadFromJsonAsync<AgentEvent>(NetraApi.Json))!);
        }

        var stored = accepted[^1].Message;
        stored.Should().NotBeNull();
        stored!.Content.Should().Be("Monday: rest.");
        stored.ClientMessageId.Should().Be("agent-run:" + runId);
        foreach (var (watched, answer) in new[]
        {
            (await WatchToEndAsync(aliceOnB), await aliceOnB.Messages.NextAsync()),
            (await WatchToEndAsync(bobOnA), await bobOnA.NextAsync<ChatMessage>(nameof(INetraClient.NewMessage))),
        })
        {
            watched.Should().BeEquivalentTo(accepted, o => o.WithStrictOrdering());
            watched.Select(e => (e.Type, e.Step, e.RunId)).Should().Equal(steps.Select(s => (s.Type!, s.Step, runId)));
            answer.Should().Be(stored);
        }

        // The service retries the completion (say its first response was lost): same message, nothing new.
        var retry = await http.PostAsJsonAsync($"/api/agent-runs/{runId}/events", steps[^1]);
        retry.StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await retry.Content.ReadFromJsonAsync<AgentEvent>(NetraApi.Json))!.Message.Should().Be(stored);
        (await Api.GetMessagesAsync(alice, chat.Id)).Should().ContainSingle().Which.Should().Be(stored);
        (await bobOnA.StaysQuietAsync(nameof(INetraClient.NewMessage))).Should().BeTrue("a retried completion is not broadcast again");
    }

    [Fact]
    public async Task APushedRunWithoutAChatReachesTheUsersConnectionsOnAnyNodeAndNobodyElse()
    {
        var service = await fixture.CreateServiceAsync();
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        await using var aliceOnA = await UserClient.ConnectAsync(fixture.Nodes[0], alice);
        await using var aliceOnB = await UserClient.ConnectAsync(fixture.Nodes[1], alice);
        await using var bobOnB = await UserClient.ConnectAsync(fixture.Nodes[1], bob);
        using var http = Api.CreateClient(service);

        var response = await http.PostAsJsonAsync("/api/agent-runs/solo-1/events",
            new PushAgentEventRequest(alice.Id, null, null, AgentEventTypes.Error, 7, "the model is unavailable", null, "UPSTREAM_DOWN"));

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        foreach (var tab in new[] { aliceOnA, aliceOnB })
        {
            var received = await tab.AgentEvents.NextAsync();
            received.Type.Should().Be(AgentEventTypes.Error);
            received.Code.Should().Be("UPSTREAM_DOWN");
            received.Step.Should().Be(7);
            received.Agent.Should().Be("external");
        }

        (await bobOnB.AgentEvents.StaysQuietAsync()).Should().BeTrue();
    }

    public static TheoryData<string, string, bool, long?, string?, int, string?, string?, string?> BadPushes() => new()
    {
        { "unknown type", "r1", true, null, "agent_dancing", 1, "x", null, null },
        { "no type", "r1", true, null, null, 1, "x", null, null },
        { "step zero", "r1", true, null, AgentEventTypes.AgentThinking, 0, "x", null, null },
        { "tool call without a tool", "r1", true, null, AgentEventTypes.ToolExecuting, 1, "x", null, null },
        { "completion without text", "r1", true, null, AgentEventTypes.AgentCompleted, 1, null, null, null },
        { "error without a code", "r1", true, null, AgentEventTypes.Error, 1, "x", null, null },
        { "code on a non-error", "r1", true, null, AgentEventTypes.AgentThinking, 1, "x", null, "INTERNAL" },
        { "run id with a space", "r%201", true, null, AgentEventTypes.AgentThinking, 1, "x", null, null },
        { "run id too long", new string('r', 49), true, null, AgentEventTypes.AgentThinking, 1, "x", null, null },
        { "unknown user", "r1", false, null, AgentEventTypes.AgentThinking, 1, "x", null, null },
        { "a chat the user is not in", "r1", true, -1, AgentEventTypes.AgentThinking, 1, "x", null, null },
        { "control character in text", "r1", true, null, AgentEventTypes.AgentThinking, 1, "a\u0001b", null, null },
    };

    [Theory]
    [MemberData(nameof(BadPushes))]
    public async Task BadPushesAreRefusedWithValidationFailed(
        string why, string runId, bool realUser, long? chatId, string? type, int step, string? text, string? tool, string? code)
    {
        var service = await fixture.CreateServiceAsync();
        var alice = await Api.CreateUserAsync("target");
        if (chatId == -1)
        {
            chatId = (await Api.CreateChatAsync(await Api.CreateUserAsync("other"))).Id;
        }

        using var http = Api.CreateClient(service);
        var response = await http.PostAsJsonAsync($"/api/agent-runs/{runId}/events",
            new PushAgentEventRequest(realUser ? alice.Id : long.MaxValue, chatId, null, type, step, text, tool, code));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, why);
        (await NetraApi.ReadCodeAsync(response)).Should().Be(ErrorCodes.ValidationFailed, why);
    }

    [Theory]
    [InlineData(AgentEventTypes.AgentCompleted)]
    [InlineData(AgentEventTypes.AgentThinking)]
    public async Task TextOverTheMessageLimitIsRefusedAsTooLargeAndStoresNothing(string type)
    {
        var service = await fixture.CreateServiceAsync();
        var alice = await Api.CreateUserAsync("long-answer");
        var chat = await Api.CreateChatAsync(alice);
        using var http = Api.CreateClient(service);

        var response = await http.PostAsJsonAsync("/api/agent-runs/long-1/events",
            new PushAgentEventRequest(alice.Id, chat.Id, null, type, 1, new string('x', 4001), null, null));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await NetraApi.ReadCodeAsync(response)).Should().Be(ErrorCodes.MessageTooLarge);
        (await Api.GetMessagesAsync(alice, chat.Id)).Should().BeEmpty();
    }
}
