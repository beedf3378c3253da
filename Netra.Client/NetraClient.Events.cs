using System.Text.Json;
using Netra.Client.Internal;
using Netra.Contracts;
using Netra.Contracts.Agents;
using Netra.Contracts.Chat;
using Netra.Contracts.Events;
using Netra.Contracts.Feed;
using Netra.Contracts.Notifications;
using Netra.Contracts.Realtime;

namespace Netra.Client;

// The events, one per INetraClient method plus the client's own. Handlers run one at a time, in order,
// on the client's delivery loop (not SignalR's receive loop), so a handler may start a call to the server;
// it should not block, since a slow handler delays the events after it. An exception from a handler is
// logged and delivery goes on.
public sealed partial class NetraClient
{
    /// <summary>The connection state changed (<see cref="State"/>).</summary>
    public event Action<NetraStateChange>? StateChanged;

    /// <summary>The server could not replay everything a channel missed; reload its history.</summary>
    public event Action<NetraResumeIncomplete>? ResumeIncomplete;

    /// <summary>The server accepted a connection (after every connect and reconnect).</summary>
    public event Action<ConnectionEstablishedEvent>? ConnectionEstablished;

    /// <summary>
    /// A chat message of a subscribed chat, live or replayed after a reconnect: per chat in seq order,
    /// each once.
    /// </summary>
    public event Action<ChatMessage>? NewMessage;

    /// <summary>Another member started or stopped typing.</summary>
    public event Action<TypingEvent>? Typing;

    /// <summary>
    /// A user went on- or offline, or away and back. Per user in version order: an announcement that arrives after a later
    /// one (from another node, say) is not raised. Compare <see cref="PresenceChangedEvent.Version"/> to merge these with
    /// what <c>GET /api/presence</c> answers.
    /// </summary>
    public event Action<PresenceChangedEvent>? PresenceChanged;

    /// <summary>A new post in the feed.</summary>
    public event Action<Post>? NewPost;

    /// <summary>A new comment on a post.</summary>
    public event Action<Comment>? NewComment;

    /// <summary>A notification for this user.</summary>
    public event Action<NotificationEvent>? Notification;

    /// <summary>Someone asked to connect with this user.</summary>
    public event Action<ConnectionRequestEvent>? ConnectionRequest;

    /// <summary>A connection request of this user was accepted.</summary>
    public event Action<ConnectionAcceptedEvent>? ConnectionAccepted;

    /// <summary>An issue changed (channels <c>issues</c>, <c>issue:{id}</c>).</summary>
    public event Action<ChannelEventMessage>? IssueUpdated;

    /// <summary>An alert fired (channel <c>alerts</c>).</summary>
    public event Action<ChannelEventMessage>? AlertTriggered;

    /// <summary>An event a service published to a channel (<c>POST /api/publish</c>).</summary>
    public event Action<ChannelEventMessage>? ChannelEvent;

    /// <summary>A connection-level error the server sent before closing the connection.</summary>
    public event Action<ErrorEvent>? Error;

    /// <summary>
    /// A step of an agent run this client does not stream itself: a run in a followed chat (started by
    /// anyone, also by this user on another connection), or a run without a chat that a service reports
    /// for this user. Not stored: a step missed while disconnected is not replayed.
    /// </summary>
    public event Action<AgentEvent>? AgentEvent;

    /// <summary>A message of a followed chat was edited: the message as it now is (in seq order with the chat's messages).</summary>
    public event Action<MessageUpdatedEvent>? MessageUpdated;

    /// <summary>A message of a followed chat was deleted.</summary>
    public event Action<MessageDeletedEvent>? MessageDeleted;

    /// <summary>This user read a chat up to a seq (on this or another connection): clear the chat's unread badge.</summary>
    public event Action<ReadMarkerEvent>? ReadMarker;

    internal void OnMessageUpdated(MessageUpdatedEvent e) => Route(Channels.Chat(e.ChatId), e.Seq, () => dispatcher.Post(() => MessageUpdated?.Invoke(e)));

    internal void OnMessageDeleted(MessageDeletedEvent e) => Route(Channels.Chat(e.ChatId), e.Seq, () => dispatcher.Post(() => MessageDeleted?.Invoke(e)));

    internal void OnReadMarker(ReadMarkerEvent e) => dispatcher.Post(() => ReadMarker?.Invoke(e));

    internal void OnConnectionEstablished(ConnectionEstablishedEvent e)
    {
        AdoptServerTimings(e);
        dispatcher.Post(() => ConnectionEstablished?.Invoke(e));
        lock (gate)
        {
            established.TrySetResult(true);
        }
    }

    internal void OnTyping(TypingEvent e) => dispatcher.Post(() => Typing?.Invoke(e));

    internal void OnPresenceChanged(PresenceChangedEvent e)
    {
        lock (presenceVersions)
        {
            if (presenceVersions.TryGetValue(e.UserId, out var held) && e.Version <= held)
            {
                return; // announced before a change already raised, or raised already
            }

            presenceVersions[e.UserId] = e.Version;
        }

        dispatcher.Post(() => PresenceChanged?.Invoke(e));
    }

    internal void OnNewPost(Post e) => Route(Channels.Feed, e.Seq, () => DeliverPost(e));

    internal void OnNewComment(Comment e) => Route(Channels.Feed, e.Seq, () => DeliverComment(e));

    internal void OnNotification(NotificationEvent e)
    {
        // Removed from a chat by its creator: the server already took this connection out of the chat's group,
        // so the chat is no longer followed (and not re-subscribed after a reconnect, which would be refused).
        if (e.Type == NotificationTypes.RemovedFromChat && e.Data.ValueKind == JsonValueKind.Object
            && e.Data.TryGetProperty("chatId", out var chatId) && chatId.ValueKind == JsonValueKind.Number && chatId.TryGetInt64(out var id))
        {
            var channel = Channels.Chat(id);
            bool followed;
            lock (gate)
            {
                followed = channels.Remove(channel, out var removed);
                removed?.FirstSubscribeFailed(NoLongerFollowed());
            }

            if (followed)
            {
                NetraClientLog.RemovedFromChat(logger, channel);
            }
        }

        dispatcher.Post(() => Notification?.Invoke(e));
    }

    internal void OnConnectionRequest(ConnectionRequestEvent e) => dispatcher.Post(() => ConnectionRequest?.Invoke(e));

    internal void OnConnectionAccepted(ConnectionAcceptedEvent e) => dispatcher.Post(() => ConnectionAccepted?.Invoke(e));

    internal void OnIssueUpdated(ChannelEventMessage e) => Route(e.Channel, e.Seq, () => DeliverIssueUpdated(e));

    internal void OnAlertTriggered(ChannelEventMessage e) => Route(e.Channel, e.Seq, () => DeliverAlertTriggered(e));

    internal void OnChannelEvent(ChannelEventMessage e) => Route(e.Channel, e.Seq, () => DeliverChannelEvent(e));

    internal void OnError(ErrorEvent e)
    {
        lock (gate)
        {
            refusedWith = e; // a refusal (CONNECTION_LIMIT) comes before the server closes: ConnectAsync reports its code
        }

        dispatcher.Post(() => Error?.Invoke(e));
    }

    internal void OnAgentEvent(AgentEvent e) => dispatcher.Post(() => AgentEvent?.Invoke(e));

    internal void OnNewMessage(ChatMessage message) => Route(Channels.Chat(message.ChatId), message.Seq, () => DeliverMessage(message));

    /// <summary>A live durable event: through its channel's resume logic (hold, order, drop duplicates) when followed.</summary>
    private void Route(string channelName, long seq, Action deliver)
    {
        ChannelState? channel;
        long connection;
        lock (gate)
        {
            channels.TryGetValue(channelName, out channel);
            connection = generation;
        }

        if (channel is null || !channel.Sequenced)
        {
            deliver();
        }
        else if (channel.OnLive(seq, deliver) is { } gap)
        {
            RepairGapLater(channel, connection, gap);
        }
    }

    /// <summary>A replayed item of <paramref name="channel"/>, read as the event live delivery sends there.</summary>
    private (long Seq, Action Deliver) ReadReplayed(string channel, JsonElement item)
    {
        if (Channels.TryParse(channel, out var name))
        {
            switch (name.Kind)
            {
                case ChannelKind.Chat when item.TryGetProperty("message", out _):
                    var updated = item.Deserialize<MessageUpdatedEvent>(WireJson)!;
                    return (updated.Seq, () => dispatcher.Post(() => MessageUpdated?.Invoke(updated)));
                case ChannelKind.Chat when item.TryGetProperty("messageId", out _):
                    var deleted = item.Deserialize<MessageDeletedEvent>(WireJson)!;
                    return (deleted.Seq, () => dispatcher.Post(() => MessageDeleted?.Invoke(deleted)));
                case ChannelKind.Chat:
                    var message = item.Deserialize<ChatMessage>(WireJson)!;
                    return (message.Seq, () => DeliverMessage(message));
                case ChannelKind.Feed when item.TryGetProperty("postId", out _):
                    var comment = item.Deserialize<Comment>(WireJson)!;
                    return (comment.Seq, () => DeliverComment(comment));
                case ChannelKind.Feed:
                    var post = item.Deserialize<Post>(WireJson)!;
                    return (post.Seq, () => DeliverPost(post));
                case ChannelKind.Issues or ChannelKind.Issue:
                    var issue = item.Deserialize<ChannelEventMessage>(WireJson)!;
                    return (issue.Seq, () => DeliverIssueUpdated(issue));
                case ChannelKind.Alerts:
                    var alert = item.Deserialize<ChannelEventMessage>(WireJson)!;
                    return (alert.Seq, () => DeliverAlertTriggered(alert));
            }
        }

        var published = item.Deserialize<ChannelEventMessage>(WireJson)!;
        return (published.Seq, () => DeliverChannelEvent(published));
    }

    private void DeliverMessage(ChatMessage message)
    {
        Interlocked.Increment(ref messagesReceived);
        dispatcher.Post(() => NewMessage?.Invoke(message));
    }

    private void DeliverPost(Post post) => dispatcher.Post(() => NewPost?.Invoke(post));

    private void DeliverComment(Comment comment) => dispatcher.Post(() => NewComment?.Invoke(comment));

    private void DeliverIssueUpdated(ChannelEventMessage e) => dispatcher.Post(() => IssueUpdated?.Invoke(e));

    private void DeliverAlertTriggered(ChannelEventMessage e) => dispatcher.Post(() => AlertTriggered?.Invoke(e));

    private void DeliverChannelEvent(ChannelEventMessage e) => dispatcher.Post(() => ChannelEvent?.Invoke(e));

    private void RaiseStateChanged(NetraStateChange change)
    {
        NetraClientLog.StateChanged(logger, change.State);
        dispatcher.Post(() => StateChanged?.Invoke(change));
    }

    private void RaiseResumeIncomplete(NetraResumeIncomplete incomplete)
    {
        NetraClientLog.ResumeIncomplete(logger, incomplete.Channel);
        dispatcher.Post(() => ResumeIncomplete?.Invoke(incomplete));
    }
}
