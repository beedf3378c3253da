using Netra.Contracts.Agents;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;

namespace Netra.Tests.Agents;

/// <summary>Helpers that read agent events, every read bounded by <see cref="TestTimeouts.Network"/>.</summary>
internal static class AgentStreams
{
    /// <summary>Starts a run through <see cref="Netra.Client.NetraClient.StartAgentRunAsync"/> and reads its stream to the end.</summary>
    public static async Task<List<AgentEvent>> RunToEndAsync(UserClient caller, StartAgentRunRequest request)
    {
        var events = new List<AgentEvent>();
        await using var stream = caller.Client.StartAgentRunAsync(request).GetAsyncEnumerator();
        while (await stream.MoveNextAsync().AsTask().WaitAsync(TestTimeouts.Network))
        {
            events.Add(stream.Current);
        }

        return events;
    }

    /// <summary>The next <c>AgentEvent</c>s a watcher receives until (and with) the run's last one.</summary>
    public static Task<List<AgentEvent>> WatchToEndAsync(UserClient watcher) => WatchToEndAsync(watcher.AgentEvents.NextAsync);

    /// <summary>The same, for a watcher on the wire.</summary>
    public static Task<List<AgentEvent>> WatchToEndAsync(HubTestClient watcher) =>
        WatchToEndAsync(() => watcher.NextAsync<AgentEvent>(nameof(INetraClient.AgentEvent)));

    public static async Task<AgentEvent> NextAsync(IAsyncEnumerator<AgentEvent> stream)
    {
        if (!await stream.MoveNextAsync().AsTask().WaitAsync(TestTimeouts.Network))
        {
            throw new InvalidOperationException("The agent stream ended early.");
        }

        return stream.Current;
    }

    private static async Task<List<AgentEvent>> WatchToEndAsync(Func<Task<AgentEvent>> next)
    {
        var events = new List<AgentEvent>();
        while (true)
        {
            var step = await next();
            events.Add(step);
            if (step.Type is AgentEventTypes.AgentCompleted or AgentEventTypes.Error)
            {
                return events;
            }
        }
    }
}
