using Netra.Contracts.Agents;
using Netra.Contracts.Chat;
using Netra.Contracts.Events;
using Netra.Contracts.Feed;
using Netra.Contracts.Notifications;
using Netra.Contracts.Realtime;

namespace Netra.Client.Internal;

/// <summary>
/// The client side of <see cref="INetraClient"/>: every server event goes through here to the
/// <see cref="NetraClient"/>. Implementing the interface means a new or renamed event breaks the build
/// until the client handles it.
/// </summary>
internal sealed class HubEventRouter(NetraClient client) : INetraClient
{
    public Task ConnectionEstablished(ConnectionEstablishedEvent connection) => Done(() => client.OnConnectionEstablished(connection));

    public Task NewMessage(ChatMessage message) => Done(() => client.OnNewMessage(message));

    public Task Typing(TypingEvent typing) => Done(() => client.OnTyping(typing));

    public Task PresenceChanged(PresenceChangedEvent presence) => Done(() => client.OnPresenceChanged(presence));

    public Task NewPost(Post post) => Done(() => client.OnNewPost(post));

    public Task NewComment(Comment comment) => Done(() => client.OnNewComment(comment));

    public Task Notification(NotificationEvent notification) => Done(() => client.OnNotification(notification));

    public Task ConnectionRequest(ConnectionRequestEvent request) => Done(() => client.OnConnectionRequest(request));

    public Task ConnectionAccepted(ConnectionAcceptedEvent accepted) => Done(() => client.OnConnectionAccepted(accepted));

    public Task IssueUpdated(ChannelEventMessage issueEvent) => Done(() => client.OnIssueUpdated(issueEvent));

    public Task AlertTriggered(ChannelEventMessage alertEvent) => Done(() => client.OnAlertTriggered(alertEvent));

    public Task ChannelEvent(ChannelEventMessage channelEvent) => Done(() => client.OnChannelEvent(channelEvent));

    public Task Error(ErrorEvent error) => Done(() => client.OnError(error));

    public Task AgentEvent(AgentEvent agentEvent) => Done(() => client.OnAgentEvent(agentEvent));

    public Task MessageUpdated(MessageUpdatedEvent updated) => Done(() => client.OnMessageUpdated(updated));

    public Task MessageDeleted(MessageDeletedEvent deleted) => Done(() => client.OnMessageDeleted(deleted));

    public Task ReadMarker(ReadMarkerEvent marker) => Done(() => client.OnReadMarker(marker));

    // Handlers only hand the event over (to the resume logic or the dispatcher), never wait.
    private static Task Done(Action handOver)
    {
        handOver();
        return Task.CompletedTask;
    }
}
