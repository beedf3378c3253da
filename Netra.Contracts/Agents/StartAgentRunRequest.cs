namespace Netra.Contracts.Agents;

/// <summary>
/// Argument of <c>StartAgentRun</c>. With a <see cref="ChatId"/> the run is linked to that chat: its
/// members see its progress and its final answer is stored in the chat. <see cref="Agent"/> names a
/// registered agent; null means the server's default agent.
/// </summary>
public sealed record StartAgentRunRequest(long? ChatId, string? Prompt, string? Agent);
