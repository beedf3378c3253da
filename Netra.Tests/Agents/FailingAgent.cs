using System.Runtime.CompilerServices;
using Netra.Server.Agents;

namespace Netra.Tests.Agents;

/// <summary>Starts a tool and then throws, as a buggy agent would.</summary>
internal sealed class FailingAgent : IAgent
{
    public const string AgentName = "failing";

    public string Name => AgentName;

    public async IAsyncEnumerable<AgentStep> RunAsync(AgentRunContext run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return AgentStep.ToolExecuting("broken_tool", run.Prompt);
        await Task.Yield();
        throw new InvalidOperationException("The broken tool broke.");
    }
}
