namespace Netra.Server.Agents;

/// <summary>
/// An agent Netra can run: register one in DI (<c>services.AddSingleton&lt;IAgent, MyAgent&gt;()</c>) and
/// clients start it by <see cref="Name"/>. The agent yields its thinking, tool calls and answer pieces;
/// the runner numbers and timestamps them, adds <c>agent_started</c>, <c>agent_completed</c> (whose
/// answer is the concatenation of the <see cref="AgentStep.PartialResult"/> texts) or <c>error</c>,
/// delivers them and stores the answer. <paramref name="cancellationToken"/> fires when the caller
/// cancels, the run exceeds its time limit or the node stops: stop promptly then (pass it to every tool).
/// </summary>
public interface IAgent
{
    /// <summary>Lower-case letters, digits, '-' and '_'; unique among the registered agents.</summary>
    string Name { get; }

    IAsyncEnumerable<AgentStep> RunAsync(AgentRunContext run, CancellationToken cancellationToken);
}
