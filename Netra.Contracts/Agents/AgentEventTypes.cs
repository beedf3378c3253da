namespace Netra.Contracts.Agents;

/// <summary>The <see cref="AgentEvent.Type"/> values (seed 000's agent message types).</summary>
public static class AgentEventTypes
{
    public const string AgentStarted = "agent_started";
    public const string AgentThinking = "agent_thinking";
    public const string ToolExecuting = "tool_executing";
    public const string PartialResult = "partial_result";
    public const string AgentCompleted = "agent_completed";
    public const string Error = "error";

    /// <summary>Every type, in the order a run goes through them.</summary>
    public static IReadOnlyList<string> All { get; } = [AgentStarted, AgentThinking, ToolExecuting, PartialResult, AgentCompleted, Error];
}
