using Netra.Contracts.Chat;

namespace Netra.Contracts.Agents;

/// <summary>
/// One step of an agent run, as streamed to the caller of <c>StartAgentRun</c> and sent as the
/// <c>AgentEvent</c> client event. <see cref="Type"/> is one of <see cref="AgentEventTypes"/>;
/// <see cref="Step"/> counts the run's events from 1, so a client can order them and drop a repeat.
/// <see cref="Text"/> is the prompt (agent_started), a thought (agent_thinking), the tool's input
/// (tool_executing), the next piece of the answer (partial_result), the whole answer
/// (agent_completed) or what went wrong (error, with <see cref="Code"/>). <see cref="Message"/> is the
/// stored chat message of a completed chat-linked run.
/// </summary>
public sealed record AgentEvent(
    string RunId,
    string Type,
    int Step,
    DateTimeOffset Timestamp,
    long UserId,
    long? ChatId,
    string Agent,
    string? Text,
    string? Tool,
    string? Code,
    ChatMessage? Message);
