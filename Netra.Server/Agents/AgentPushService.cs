using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Contracts.Agents;
using Netra.Contracts.Chat;
using Netra.Server.Auth;
using Netra.Server.Chat;
using Netra.Server.Errors;
using Netra.Server.Protection;

namespace Netra.Server.Agents;

/// <summary>
/// The service side: events of runs that execute outside Netra, posted by a service to
/// <c>POST /api/agent-runs/{runId}/events</c>. Stateless, so any node takes any post: each event is
/// checked and delivered as it comes, and an <c>agent_completed</c> of a chat-linked run stores its
/// answer under the run's clientMessageId, so a retried post stores nothing twice.
/// </summary>
internal sealed partial class AgentPushService(
    AgentEventPublisher publisher,
    ChatStore chatStore,
    UserStore users,
    IOptions<ChatOptions> chatOptions,
    TimeProvider time)
{
    public const int MaxRunIdLength = 48;
    public const int MaxAgentLength = 32;
    public const int MaxToolLength = 64;

    public async Task<AgentEvent> PushAsync(string runId, PushAgentEventRequest? request, CancellationToken cancellationToken)
    {
        if (!RunIdPattern().IsMatch(runId))
        {
            throw ProblemException.Validation($"The run id must be 1 to {MaxRunIdLength} letters, digits, '-', '_' or '.'.");
        }

        if (request is null)
        {
            throw ProblemException.Validation("An event {userId, chatId?, agent?, type, step, text?, tool?, code?} is required.");
        }

        var type = request.Type;
        if (type is null || !AgentEventTypes.All.Contains(type))
        {
            throw ProblemException.Validation($"type must be one of: {string.Join(", ", AgentEventTypes.All)}.");
        }

        if (request.Step < 1)
        {
            throw ProblemException.Validation("step must be 1 or more: the run's events are numbered from 1.");
        }

        var agent = request.Agent ?? "external";
        if (!AgentNamePattern().IsMatch(agent))
        {
            throw ProblemException.Validation($"agent must be 1 to {MaxAgentLength} lower-case letters, digits, '-' or '_'.");
        }

        var maxText = chatOptions.Value.MaxContentLength;
        if (request.Text is { } over && over.Length > maxText)
        {
            // The answer becomes a chat message: over the message limit it is MESSAGE_TOO_LARGE (413), as a SendMessage would be.
            throw new ProblemException(ErrorCodes.MessageTooLarge, $"text is {over.Length} characters; the limit is {maxText}.");
        }

        var text = request.Text is null ? null : InputRules.RequireText(request.Text, "text", maxText, multiLine: true);
        var tool = request.Tool is null ? null : InputRules.RequireText(request.Tool, "tool", MaxToolLength);
        if (type == AgentEventTypes.ToolExecuting && tool is null)
        {
            throw ProblemException.Validation("A tool_executing event names its tool.");
        }

        if (type == AgentEventTypes.AgentCompleted && text is null)
        {
            throw ProblemException.Validation("An agent_completed event carries the answer as text.");
        }

        var code = request.Code;
        if (type == AgentEventTypes.Error ? code is null || !CodePattern().IsMatch(code) : code is not null)
        {
            throw ProblemException.Validation("An error event carries a code (upper-case letters and '_', e.g. INTERNAL); other events carry none.");
        }

        if (request.UserId <= 0 || (await users.FindMissingAsync([request.UserId], cancellationToken)).Count > 0)
        {
            throw ProblemException.Validation($"userId {request.UserId} is not a user.");
        }

        if (request.ChatId is { } chatId && !await chatStore.IsMemberAsync(chatId, request.UserId, cancellationToken))
        {
            throw ProblemException.Validation($"User {request.UserId} is not a member of chat {chatId}.");
        }

        ChatMessage? stored = null;
        if (type == AgentEventTypes.AgentCompleted && request.ChatId is { } answerChatId)
        {
            stored = await publisher.StoreAnswerAsync(runId, answerChatId, text!, cancellationToken);
        }

        var agentEvent = new AgentEvent(runId, type, request.Step, time.GetUtcNow(), request.UserId, request.ChatId, agent, text, tool, code, stored);
        await publisher.PublishAsync(agentEvent, callerConnectionId: null);
        return agentEvent;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,48}\\z")]
    private static partial Regex RunIdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,31}\\z")]
    private static partial Regex AgentNamePattern();

    [GeneratedRegex("^[A-Z][A-Z_]{1,39}\\z")]
    private static partial Regex CodePattern();
}
