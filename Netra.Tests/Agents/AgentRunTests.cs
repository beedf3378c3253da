using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Netra.Client;
using Netra.Contracts;
using Netra.Contracts.Agents;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Server.Agents;
using Netra.Tests.Infrastructure;
using Xunit;
using static Netra.Tests.Agents.AgentStreams;

namespace Netra.Tests.Agents;

/// <summary>StartAgentRun on one node: the stream, the chat's watchers, the stored answer, cancellation, limits, bad input.</summary>
public sealed class AgentRunTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private NetraTestServer Server => fixture.Nodes[0];

    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task TheDemoAgentStreamsItsStepsInOrderAndItsAnswerIsStoredInTheChatOnce()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var watcher = await UserClient.ConnectAsync(Server, bob);
        await watcher.SubscribeAsync(Channels.Chat(chat.Id));
        await using var caller = await UserClient.ConnectAsync(Server, alice);
        var hello = await caller.SendAsync(chat.Id, "hello bob");
        (await watcher.Messages.NextAsync()).Should().Be(hello);

        var events = await RunToEndAsync(caller, new StartAgentRunRequest(chat.Id, "What is 12 * (3 + 4)?", null));

        events.Select(e => e.Type).Should().Equal(
            new[]
            {
                AgentEventTypes.AgentStarted,
                AgentEventTypes.AgentThinking,
                AgentEventTypes.ToolExecuting,
                AgentEventTypes.AgentThinking,
                AgentEventTypes.ToolExecuting,
                AgentEventTypes.AgentThinking,
            }.Concat(Enumerable.Repeat(AgentEventTypes.PartialResult, events.Count - 7)).Append(AgentEventTypes.AgentCompleted));
        events.Count.Should().BeGreaterThan(8, "the answer is streamed word by word");
        events.Select(e => e.Step).Should().Equal(Enumerable.Range(1, events.Count));
        events.Select(e => e.RunId).Distinct().Should().ContainSingle();
        events.Should().AllSatisfy(e =>
        {
            e.Agent.Should().Be(DemoAgent.AgentName);
            e.UserId.Should().Be(alice.Id);
            e.ChatId.Should().Be(chat.Id);
        });
        events.Select(e => e.Timestamp).Should().BeInAscendingOrder();
        events[0].Text.Should().Be("What is 12 * (3 + 4)?");
        events[2].Tool.Should().Be(DemoAgent.CalculatorTool);
        events[2].Text.Should().Be("12 * (3 + 4)");
        events[3].Text.Should().Contain("= 84");
        events[4].Tool.Should().Be(DemoAgent.ChatHistoryTool);
        var completed = events[^1];
        completed.Text.Should().Be(string.Concat(events.Where(e => e.Type == AgentEventTypes.PartialResult).Select(e => e.Text)).Trim());
        completed.Text.Should().Contain("12 * (3 + 4) = 84").And.Contain("hello bob");
        completed.Message.Should().NotBeNull();
        completed.Message!.Content.Should().Be(completed.Text);
        completed.Message.SenderName.Should().Be("Netra Agent");
        completed.Message.Seq.Should().Be(2);

        (await WatchToEndAsync(watcher)).Should().BeEquivalentTo(events, o => o.WithStrictOrdering(), "every member watches the same steps");
        (await watcher.Messages.NextAsync()).Should().Be(completed.Message);
        (await Api.GetMessagesAsync(bob, chat.Id)).Should().Equal(hello, completed.Message);
    }

    [Fact]
    public async Task AnAnswerQuotingAMessageWhoseCutFallsInsideAnEmojiIsStored()
    {
        var alice = await Api.CreateUserAsync("quoted");
        var chat = await Api.CreateChatAsync(alice);
        await using var caller = await UserClient.ConnectAsync(Server, alice);
        // The answer quotes the newest message's first 80 UTF-16 units: the 80th is the first half of the emoji.
        await caller.SendAsync(chat.Id, new string('a', 79) + "\U0001F600 and more");

        var events = await RunToEndAsync(caller, new StartAgentRunRequest(chat.Id, "hi", null));

        events[^1].Type.Should().Be(AgentEventTypes.AgentCompleted, events[^1].Text);
        events[^1].Message.Should().NotBeNull();
        events[^1].Message!.Content.Should().Contain(new string('a', 79) + "…");
    }

    [Fact]
    public async Task ARunWithoutAChatStreamsToItsCallerAndStoresNothing()
    {
        var alice = await Api.CreateUserAsync("solo");
        await using var caller = await UserClient.ConnectAsync(Server, alice);

        var events = await RunToEndAsync(caller, new StartAgentRunRequest(null, "hi there", DemoAgent.AgentName));

        events[0].Type.Should().Be(AgentEventTypes.AgentStarted);
        events.Should().Contain(e => e.Type == AgentEventTypes.AgentThinking && e.Text!.Contains("No chat", StringComparison.Ordinal));
        events.Should().NotContain(e => e.Type == AgentEventTypes.ToolExecuting, "there is no arithmetic and no chat to read");
        events[^1].Type.Should().Be(AgentEventTypes.AgentCompleted);
        events[^1].Message.Should().BeNull();
        events[^1].Text.Should().Contain("demo agent");
        (await caller.AgentEvents.StaysQuietAsync()).Should().BeTrue("the caller has the stream; nobody else follows a run without a chat");
    }

    [Fact]
    public async Task AFailingAgentEndsWithAnInternalErrorEventAndStoresNothing()
    {
        var (alice, bob) = (await Api.CreateUserAsync("fail"), await Api.CreateUserAsync("fail"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var watcher = await UserClient.ConnectAsync(Server, bob);
        await watcher.SubscribeAsync(Channels.Chat(chat.Id));
        await using var caller = await UserClient.ConnectAsync(Server, alice);

        var events = await RunToEndAsync(caller, new StartAgentRunRequest(chat.Id, "break something", FailingAgent.AgentName));

        events.Select(e => e.Type).Should().Equal(AgentEventTypes.AgentStarted, AgentEventTypes.ToolExecuting, AgentEventTypes.Error);
        events[^1].Code.Should().Be(ErrorCodes.Internal);
        events[^1].Text.Should().Contain(events[0].RunId, "the error names the run the server logged").And.NotContain("broke", "exception details stay in the log");
        (await WatchToEndAsync(watcher)).Select(e => e.Type).Should().Equal(events.Select(e => e.Type));
        (await Server.ReadLastSeqAsync(chat.Id)).Should().Be(0);
        Server.Logs.Lines.Should().Contain(l => l.Exception != null && l.Exception.Message == "The broken tool broke.");
    }

    [Fact]
    public async Task CancellingTheStreamStopsTheRunItsTokenFiresAndNothingIsStored()
    {
        var (alice, bob) = (await Api.CreateUserAsync("cancel"), await Api.CreateUserAsync("cancel"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var watcher = await UserClient.ConnectAsync(Server, bob);
        await watcher.SubscribeAsync(Channels.Chat(chat.Id));
        await using var caller = await UserClient.ConnectAsync(Server, alice);
        var prompt = "cancel me " + Guid.NewGuid();
        using var cancel = new CancellationTokenSource();

        await using (var stream = caller.Client.StartAgentRunAsync(
            new StartAgentRunRequest(chat.Id, prompt, GatedAgent.AgentName), cancel.Token).GetAsyncEnumerator(cancel.Token))
        {
            (await NextAsync(stream)).Type.Should().Be(AgentEventTypes.AgentStarted);
            (await NextAsync(stream)).Type.Should().Be(AgentEventTypes.AgentThinking);
            await fixture.Probe.Waiting(prompt).Task.WaitAsync(TestTimeouts.Network);
            await cancel.CancelAsync();
        }

        await fixture.Probe.Cancelled(prompt).Task.WaitAsync(TestTimeouts.Network);
        var watched = await WatchToEndAsync(watcher);
        watched.Select(e => e.Type).Should().Equal(AgentEventTypes.AgentStarted, AgentEventTypes.AgentThinking, AgentEventTypes.Error);
        watched[^1].Code.Should().Be(ErrorCodes.Cancelled);
        watched[^1].Text.Should().Contain("cancelled");
        (await Server.ReadLastSeqAsync(chat.Id)).Should().Be(0);
        (await watcher.Messages.StaysQuietAsync()).Should().BeTrue();
        fixture.Probe.Gate(prompt).TrySetResult();
    }

    [Fact]
    public async Task TheAnswerIsStoredOnceWhenTheCallerReconnectsDuringTheRun()
    {
        var alice = await Api.CreateUserAsync("reconnect");
        var chat = await Api.CreateChatAsync(alice);
        var prompt = "survive a reconnect " + Guid.NewGuid();
        string runId;
        await using (var first = await UserClient.ConnectAsync(Server, alice))
        {
            var stream = first.Client.StartAgentRunAsync(new StartAgentRunRequest(chat.Id, prompt, GatedAgent.AgentName)).GetAsyncEnumerator();
            runId = (await NextAsync(stream)).RunId;
            await fixture.Probe.Waiting(prompt).Task.WaitAsync(TestTimeouts.Network);
        }

        // The connection is gone; the server lets the chat-linked run go on.
        await Eventually.UntilAsync(() => Server.Logs.Lines.Any(l => l.Message.Contains($"caller of agent run {runId} disconnected", StringComparison.Ordinal)));
        await using var second = await UserClient.ConnectAsync(Server, alice);
        await second.Client.SubscribeAsync(Channels.Chat(chat.Id), 0).WaitAsync(TestTimeouts.Network);
        fixture.Probe.Gate(prompt).TrySetResult();

        var watched = await WatchToEndAsync(second);
        watched[^1].Type.Should().Be(AgentEventTypes.AgentCompleted);
        watched[^1].RunId.Should().Be(runId);
        var answer = await second.Messages.NextAsync();
        answer.Content.Should().Be("gate opened");
        answer.ClientMessageId.Should().Be(AgentEventPublisher.ClientMessageIdOf(runId));
        fixture.Probe.Cancelled(prompt).Task.IsCompleted.Should().BeFalse("a dropped connection does not cancel a chat-linked run");
        (await Api.GetMessagesAsync(alice, chat.Id)).Should().ContainSingle().Which.Should().Be(answer);

        // Resuming from before the run replays the answer once.
        await using var third = await UserClient.ConnectAsync(Server, alice);
        await third.Client.SubscribeAsync(Channels.Chat(chat.Id), 0).WaitAsync(TestTimeouts.Network);
        (await third.Messages.NextAsync()).Should().Be(answer);
        (await third.Messages.StaysQuietAsync()).Should().BeTrue("the answer is replayed once");
    }

    [Fact]
    public async Task MoreConcurrentRunsThanTheLimitAreRateLimitedUntilOneCompletes()
    {
        var alice = await Api.CreateUserAsync("limit");
        await using var caller = await UserClient.ConnectAsync(Server, alice);
        await using var runs = await GatedRuns.StartAsync(caller, fixture.Probe, AgentFixture.MaxRunsPerUser);

        var refused = await Expect.RefusedAsync(() => RunToEndAsync(caller, new StartAgentRunRequest(null, "one more", null)), ErrorCodes.RateLimited);
        refused.Message.Should().Contain($"{AgentFixture.MaxRunsPerUser} agent runs");

        await runs.CompleteFirstAsync();

        // The finished run's place is free again (released just after its last event).
        await Eventually.UntilAsync(() => Server.Services.GetRequiredService<AgentRunLimiter>().CountOf(alice.Id) < AgentFixture.MaxRunsPerUser);
        (await RunToEndAsync(caller, new StartAgentRunRequest(null, "now it fits", null)))[^1].Type.Should().Be(AgentEventTypes.AgentCompleted);
    }

    public static TheoryData<string, long?, string?, string?, string> BadRequests() => new()
    {
        { "no prompt", null, null, null, ErrorCodes.ValidationFailed },
        { "blank prompt", null, "   ", null, ErrorCodes.ValidationFailed },
        { "prompt over the limit", null, new string('x', 2001), null, ErrorCodes.ValidationFailed },
        { "control character in the prompt", null, "a\u0007b", null, ErrorCodes.ValidationFailed },
        { "unknown agent", null, "hi", "no-such-agent", ErrorCodes.ValidationFailed },
        { "chat id zero", 0, "hi", null, ErrorCodes.ValidationFailed },
        { "a chat the caller is not in", -1, "hi", null, ErrorCodes.Forbidden },
        { "a chat that does not exist", long.MaxValue, "hi", null, ErrorCodes.Forbidden },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequestsAreRefusedWithTheirCodeAndStartNothing(string why, long? chatId, string? prompt, string? agent, string code)
    {
        var (alice, owner) = (await Api.CreateUserAsync("bad"), await Api.CreateUserAsync("owner"));
        if (chatId == -1)
        {
            chatId = (await Api.CreateChatAsync(owner)).Id;
        }

        await using var caller = await UserClient.ConnectAsync(Server, alice);

        await Expect.RefusedAsync(() => RunToEndAsync(caller, new StartAgentRunRequest(chatId, prompt, agent)), code, why);
        Server.Services.GetRequiredService<AgentRunLimiter>().CountOf(alice.Id).Should().Be(0, why);
        caller.Client.State.Should().Be(NetraConnectionState.Connected);
    }

    [Fact]
    public async Task NetraClientCancelsARunWhenTheLoopIsCancelledAndReportsRefusalsWithTheirCode()
    {
        var alice = await Api.CreateUserAsync("client");
        var chat = await Api.CreateChatAsync(alice);
        await using var user = await UserClient.ConnectAsync(Server, alice);
        var client = user.Client;
        var prompt = "client cancel " + Guid.NewGuid();
        using var cancel = new CancellationTokenSource();
        var seen = new List<string>();

        var loop = async () =>
        {
            await foreach (var step in client.StartAgentRunAsync(new StartAgentRunRequest(chat.Id, prompt, GatedAgent.AgentName), cancel.Token))
            {
                seen.Add(step.Type);
                if (step.Type == AgentEventTypes.AgentThinking)
                {
                    await fixture.Probe.Waiting(prompt).Task.WaitAsync(TestTimeouts.Network);
                    await cancel.CancelAsync();
                }
            }
        };

        await loop.Should().ThrowAsync<OperationCanceledException>();
        await fixture.Probe.Cancelled(prompt).Task.WaitAsync(TestTimeouts.Network);
        seen.Should().Equal(AgentEventTypes.AgentStarted, AgentEventTypes.AgentThinking);
        (await Server.ReadLastSeqAsync(chat.Id)).Should().Be(0);

        var refused = async () =>
        {
            await foreach (var step in client.StartAgentRunAsync(new StartAgentRunRequest(chat.Id, "  ", null)))
            {
                seen.Add(step.Type);
            }
        };
        (await refused.Should().ThrowAsync<NetraException>()).Which.Code.Should().Be(ErrorCodes.ValidationFailed);
    }

    [Fact]
    public async Task RunsAreCountedByAgentAndOutcome()
    {
        var factory = Server.Services.GetRequiredService<IMeterFactory>();
        var measurements = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Netra.Server" && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name.StartsWith("netra.agent.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measurements.AddOrUpdate(instrument.Name + string.Concat(tags.ToArray().Select(t => $"|{t.Key}={t.Value}")), value, (_, v) => instrument.IsObservable ? value : v + value));
        listener.Start();
        var alice = await Api.CreateUserAsync("metrics");
        await using var caller = await UserClient.ConnectAsync(Server, alice);

        var completed = await RunToEndAsync(caller, new StartAgentRunRequest(null, "1 + 1", null));
        await RunToEndAsync(caller, new StartAgentRunRequest(null, "boom", FailingAgent.AgentName));

        // A run is counted as finished just after its last event is sent.
        await Eventually.UntilAsync(() => measurements.GetValueOrDefault("netra.agent.runs.finished|outcome=failed") == 1
            && measurements.GetValueOrDefault("netra.agent.runs.finished|outcome=completed") == 1);
        measurements.GetValueOrDefault("netra.agent.runs.started|agent=demo").Should().Be(1);
        measurements.GetValueOrDefault("netra.agent.runs.started|agent=failing").Should().Be(1);
        listener.RecordObservableInstruments();
        measurements.GetValueOrDefault("netra.agent.runs.active").Should().Be(0);
        measurements.GetValueOrDefault("netra.agent.events|type=partial_result").Should().Be(completed.Count(e => e.Type == AgentEventTypes.PartialResult));
        measurements.GetValueOrDefault("netra.agent.events|type=error").Should().Be(1);
    }

    [Fact]
    public async Task TheAgentUserCannotLogIn()
    {
        using var http = Server.CreateHttpClient();
        var response = await http.PostAsJsonAsync("/api/auth/login", new Netra.Contracts.Auth.LoginRequest(AgentStore.AgentUserName, "anything"));

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
    }
}
