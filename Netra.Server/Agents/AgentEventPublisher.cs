using Microsoft.AspNetCore.SignalR;
using Netra.Contracts;
using Netra.Contracts.Agents;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Server.Chat;
using Netra.Server.Realtime;

namespace Netra.Server.Agents;

/// <summary>
/// Delivers agent events and stores final answers, for runs started on the hub and runs pushed by a
/// service alike. Events are ephemeral: they go to the run's chat channel (every member following the
/// chat, on any node), or, for a run without a chat, to the user's connections; nothing is stored but
/// the answer, which goes through <see cref="ChatService"/> as a message from the agent user.
/// </summary>
internal sealed class AgentEventPublisher(
    IHubContext<NetraHub, INetraClient> hub,
    ChatService chats,
    AgentStore store,
    AgentMetrics metrics,
    ILogger<AgentEventPublisher> logger)
{
    /// <summary>The clientMessageId of a run's answer: one per run, so storing it again returns the stored message.</summary>
    public static string ClientMessageIdOf(string runId) => "agent-run:" + runId;

    /// <summary>
    /// Sends <paramref name="agentEvent"/> to its audience. <paramref name="callerConnectionId"/> is the
    /// connection that started the run and streams it already: it is left out, and a hub run without a
    /// chat has no other audience. A failed send is logged; the run goes on.
    /// </summary>
    public async Task PublishAsync(AgentEvent agentEvent, string? callerConnectionId)
    {
        try
        {
            if (agentEvent.ChatId is { } chatId)
            {
                var group = Channels.Chat(chatId);
                var clients = callerConnectionId is null ? hub.Clients.Group(group) : hub.Clients.GroupExcept(group, callerConnectionId);
                await clients.AgentEvent(agentEvent);
            }
            else if (callerConnectionId is null)
            {
                await hub.Clients.User(agentEvent.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)).AgentEvent(agentEvent);
            }

            metrics.EventDelivered(agentEvent.Type);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Progress is not stored: a watcher that misses a step sees the next one, and the answer is stored.
            AgentLog.PublishFailed(logger, agentEvent.RunId, agentEvent.Step, exception);
        }
    }

    /// <summary>Stores the run's answer in the chat as the agent's message and broadcasts it; exactly once per run id.</summary>
    public async Task<ChatMessage> StoreAnswerAsync(string runId, long chatId, string answer, CancellationToken cancellationToken)
    {
        var agentId = await store.GetAgentUserIdAsync(cancellationToken);
        await store.JoinChatAsync(chatId, agentId, cancellationToken);
        var message = await chats.SendAsync(agentId, new SendMessageRequest(chatId, answer, null, ClientMessageIdOf(runId)), null, cancellationToken);
        AgentLog.AnswerStored(logger, runId, chatId, message.Seq);
        return message;
    }
}
