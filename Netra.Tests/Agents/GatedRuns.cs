using FluentAssertions;
using Netra.Contracts.Agents;
using Netra.Tests.Infrastructure;
using static Netra.Tests.Agents.AgentStreams;

namespace Netra.Tests.Agents;

/// <summary>
/// Runs of the <see cref="GatedAgent"/>, started by one caller and held at their gates: a user at their run limit.
/// Disposing opens every gate and ends every stream.
/// </summary>
internal sealed class GatedRuns(AgentProbe probe) : IAsyncDisposable
{
    private readonly List<string> prompts = [];
    private readonly List<IAsyncEnumerator<AgentEvent>> streams = [];

    public static async Task<GatedRuns> StartAsync(UserClient caller, AgentProbe probe, int count)
    {
        var runs = new GatedRuns(probe);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var prompt = $"gated {i} {Guid.NewGuid()}";
                runs.prompts.Add(prompt);
                runs.streams.Add(caller.Client.StartAgentRunAsync(new StartAgentRunRequest(null, prompt, GatedAgent.AgentName)).GetAsyncEnumerator());
                (await NextAsync(runs.streams[^1])).Type.Should().Be(AgentEventTypes.AgentStarted);
            }

            return runs;
        }
        catch
        {
            await runs.DisposeAsync();
            throw;
        }
    }

    /// <summary>Lets the first run finish and reads its stream to its completion.</summary>
    public async Task CompleteFirstAsync()
    {
        probe.Gate(prompts[0]).TrySetResult();
        while ((await NextAsync(streams[0])).Type != AgentEventTypes.AgentCompleted)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var prompt in prompts)
        {
            probe.Gate(prompt).TrySetResult();
        }

        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }
    }
}
