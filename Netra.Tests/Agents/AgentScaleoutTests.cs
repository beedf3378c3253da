using Netra.Client;
using FluentAssertions;
using Netra.Contracts;
using Netra.Contracts.Agents;
using Netra.Tests.Infrastructure;
using Xunit;
using static Netra.Tests.Agents.AgentStreams;

namespace Netra.Tests.Agents;

/// <summary>Runs watched across nodes: the events and the answer travel through the Redis backplane.</summary>
public sealed class AgentScaleoutTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task ARunStartedOnNodeAIsWatchedLiveFromNodeB()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var watcherOnB = await UserClient.ConnectAsync(fixture.Nodes[1], bob);
        await watcherOnB.SubscribeAsync(Channels.Chat(chat.Id));
        // Alice's other tab, on node B, follows the chat too and sees her run like any member.
        await using var aliceOnB = await UserClient.ConnectAsync(fixture.Nodes[1], alice);
        await aliceOnB.SubscribeAsync(Channels.Chat(chat.Id));
        await using var callerOnA = await UserClient.ConnectAsync(fixture.Nodes[0], alice);

        var streamed = await RunToEndAsync(callerOnA, new StartAgentRunRequest(chat.Id, "what is 2 + 2 * 10", null));

        streamed[^1].Type.Should().Be(AgentEventTypes.AgentCompleted);
        streamed[^1].Text.Should().Contain("2 + 2 * 10 = 22");
        foreach (var watcher in new[] { watcherOnB, aliceOnB })
        {
            (await WatchToEndAsync(watcher)).Should().BeEquivalentTo(streamed, o => o.WithStrictOrdering());
            (await watcher.Messages.NextAsync()).Should().Be(streamed[^1].Message);
        }

        (await callerOnA.AgentEvents.StaysQuietAsync()).Should().BeTrue("the caller gets its run once, on the stream");
    }

    [Fact]
    public async Task CancellingOnNodeATellsTheWatchersOnNodeB()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var watcherOnB = await UserClient.ConnectAsync(fixture.Nodes[1], bob);
        await watcherOnB.SubscribeAsync(Channels.Chat(chat.Id));
        await using var callerOnA = await UserClient.ConnectAsync(fixture.Nodes[0], alice);
        var prompt = "cancel across nodes " + Guid.NewGuid();
        using var cancel = new CancellationTokenSource();

        await using (var stream = callerOnA.Client.StartAgentRunAsync(
            new StartAgentRunRequest(chat.Id, prompt, GatedAgent.AgentName), cancel.Token).GetAsyncEnumerator(cancel.Token))
        {
            await NextAsync(stream);
            await fixture.Probe.Waiting(prompt).Task.WaitAsync(TestTimeouts.Network);
            await cancel.CancelAsync();
        }

        await fixture.Probe.Cancelled(prompt).Task.WaitAsync(TestTimeouts.Network);
        var watched = await WatchToEndAsync(watcherOnB);
        watched[^1].Code.Should().Be(ErrorCodes.Cancelled);
        (await fixture.Nodes[1].ReadLastSeqAsync(chat.Id)).Should().Be(0);
    }

    [Fact]
    public async Task AUsersRunsAreCountedAcrossNodes()
    {
        var alice = await Api.CreateUserAsync("busy");
        await using var onA = await UserClient.ConnectAsync(fixture.Nodes[0], alice);
        await using var onB = await UserClient.ConnectAsync(fixture.Nodes[1], alice);
        await using var runs = await GatedRuns.StartAsync(onA, fixture.Probe, AgentFixture.MaxRunsPerUser);

        // Node B runs none of them, and still refuses: the limit is the user's, on every node.
        var refused = await Expect.RefusedAsync(() => RunToEndAsync(onB, new StartAgentRunRequest(null, "one more elsewhere", null)), ErrorCodes.RateLimited);
        refused.Message.Should().Contain($"{AgentFixture.MaxRunsPerUser} agent runs");

        await runs.CompleteFirstAsync();

        // The finished run's place is free again on every node (released just after its last event).
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                return (await RunToEndAsync(onB, new StartAgentRunRequest(null, "now it fits", null)))[^1].Type == AgentEventTypes.AgentCompleted;
            }
            catch (NetraException refusal) when (refusal.Code == ErrorCodes.RateLimited)
            {
                return false;
            }
        });
    }
}
