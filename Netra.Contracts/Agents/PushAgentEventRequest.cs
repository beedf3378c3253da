namespace Netra.Contracts.Agents;

/// <summary>
/// Body of <c>POST /api/agent-runs/{runId}/events</c>: one event of a run that an agent running
/// elsewhere reports (role <c>service</c> only). The run belongs to <see cref="UserId"/>; with a
/// <see cref="ChatId"/> its events go to the chat's channel and an <c>agent_completed</c> stores
/// <see cref="Text"/> in the chat, once per run however often it is posted.
/// </summary>
public sealed record PushAgentEventRequest(
    long UserId,
    long? ChatId,
    string? Agent,
    string? Type,
    int Step,
    string? Text,
    string? Tool,
    string? Code);
