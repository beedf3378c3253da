using Microsoft.AspNetCore.SignalR.Client;
using Netra.Contracts.Agents;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;

namespace Netra.Tests.Agents;

/// <summary>Helpers that read agent events, every read bounded by <see cref="TestTimeouts.Network"/>.</summary>
internal static class AgentStreams
{
    public const string AgentEventName = nameof(INetraClient.AgentEvent);

    /// <summary>Starts a run on the raw hub connection and reads its stream to the end.</summary>
    public static async Task<List<AgentEvent>> RunToEndAsync(HubTestClient client, StartAgentRunRequest request)
    {
        var events = new List<AgentEvent>();
        await using var stream = client.Connection.StreamAsync<AgentEvent>(HubMethods.StartAgentRun, request).GetAsyncEnumerator();
        while (await stream.MoveNextAsync().AsTask().WaitAsync(TestTimeouts.Network))
        {
            events.Add(stream.Current);
        }

        return events;
    }

    /// <summary>The next <paramref name="eventName"/> events a watcher receives until (and with) the run's last one.</summary>
    public static async Task<List<AgentEvent>> WatchToEndAsync(HubTestClient watcher)
    {
        var events = new List<AgentEvent>();
        while (true)
        {
            var next = await watcher.NextAsync<AgentEvent>(AgentEventName);
            events.Add(next);
            if (next.Type is AgentEventTypes.AgentCompleted or AgentEventTypes.Error)
            {
                return events;
            }
        }
    }

    public static async Task<AgentEvent> NextAsync(IAsyncEnumerator<AgentEvent> stream)
    {
        if (!await stream.MoveNextAsync().AsTask().WaitAsync(TestTimeouts.Network))
        {
            throw new InvalidOperationException("The agent stream ended early.");
        }

        return stream.Current;
    }
}
