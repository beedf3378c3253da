using System.Runtime.CompilerServices;
using Netra.Server.Agents;

namespace Netra.Tests.Agents;

/// <summary>Thinks, then waits at the probe's gate for its prompt (reporting a cancellation), then answers.</summary>
internal sealed class GatedAgent(AgentProbe probe) : IAgent
{
    public const string AgentName = "gated";

    public string Name => AgentName;

    public async IAsyncEnumerable<AgentStep> RunAsync(AgentRunContext run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return AgentStep.Thinking("waiting for the test");
        probe.Waiting(run.Prompt).TrySetResult();
        try
        {
            await probe.Gate(run.Prompt).Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            probe.Cancelled(run.Prompt).TrySetResult();
            throw;
        }

        yield return AgentStep.PartialResult("gate ");
        yield return AgentStep.PartialResult("opened");
    }
}
