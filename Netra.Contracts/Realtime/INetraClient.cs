using Netra.Contracts.Agents;
using Netra.Contracts.Chat;
using Netra.Contracts.Events;
using Netra.Contracts.Feed;
using Netra.Contracts.Notifications;

namespace Netra.Contracts.Realtime;

/// <summary>
/// Events the server pushes to a connected client. Method names are the wire names
/// (the JSON hub protocol sends them as the invocation target), so renaming one is a
/// breaking change for every client.
/// </summary>
public interface INetraClient
{
    Task ConnectionEstablished(ConnectionEstablishedEvent connection);

    Task NewMessage(ChatMessage message);

    Task Typing(TypingEvent typing);

    Task PresenceChanged(PresenceChangedEvent presence);

    Task NewPost(Post post);

    Task NewComment(Comment comment);

    Task Notification(NotificationEvent notification);

    Task ConnectionRequest(ConnectionRequestEvent request);

    Task ConnectionAccepted(ConnectionAcceptedEvent accepted);

    Task IssueUpdated(ChannelEventMessage issueEvent);

    Task AlertTriggered(ChannelEventMessage alertEvent);

    Task ChannelEvent(ChannelEventMessage channelEvent);

    Task Error(ErrorEvent error);

    /// <summary>A step of an agent run: to the members of the run's chat, or to the user of a run without one.</summary>
    Task AgentEvent(AgentEvent agentEvent);

    Task MessageUpdated(MessageUpdatedEvent updated);

    Task MessageDeleted(MessageDeletedEvent deleted);

    Task ReadMarker(ReadMarkerEvent marker);
}
