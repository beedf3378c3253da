using Netra.Contracts.Agents;

namespace Netra.Server.Agents;

/// <summary>One step an <see cref="IAgent"/> yields: a thought, a tool call, or the next piece of its answer.</summary>
public sealed record AgentStep
{
    private AgentStep(string type, string text, string? tool)
    {
        Type = type;
        Text = text;
        Tool = tool;
    }

    /// <summary><see cref="AgentEventTypes.AgentThinking"/>, <see cref="AgentEventTypes.ToolExecuting"/> or <see cref="AgentEventTypes.PartialResult"/>.</summary>
    public string Type { get; }

    public string Text { get; }

    public string? Tool { get; }

    public static AgentStep Thinking(string thought) => new(AgentEventTypes.AgentThinking, thought, null);

    /// <summary>Yield before the tool runs, with what it is given; report what it returned in the next thought.</summary>
    public static AgentStep ToolExecuting(string tool, string input) => new(AgentEventTypes.ToolExecuting, input, tool);

    public static AgentStep PartialResult(string text) => new(AgentEventTypes.PartialResult, text, null);
}
