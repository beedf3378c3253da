using Netra.Client;
using Netra.Contracts.Agents;
using Netra.Contracts.Chat;
using Netra.Contracts.Events;
using Netra.Contracts.Feed;
using Netra.Contracts.Notifications;
using Netra.Contracts.Realtime;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// A user played by <see cref="NetraClient"/>, the way an application uses it: its typed calls on <see cref="Client"/>,
/// and every event it raises recorded in arrival order, one <see cref="Received{T}"/> per event, for tests to await.
/// </summary>
/// <remarks>
/// <see cref="ConnectAsync(INetraNode, TestUser)"/> makes a strict client (<see cref="StrictOptions"/>): it neither
/// reconnects nor fetches a missing seq by itself, so a dropped connection or a lost live event fails the test instead
/// of being repaired by the library. Tests of reconnect and resume pass options of their own. What NetraClient hides on
/// purpose (a repeated seq it drops, an order it restores) is checked on the wire, with <see cref="HubTestClient"/>.
/// </remarks>
public sealed class UserClient : IAsyncDisposable
{
    private UserClient(NetraClient client)
    {
        Client = client;
        client.StateChanged += States.Add;
        client.ResumeIncomplete += ResumeIncomplete.Add;
        client.ConnectionEstablished += Established.Add;
        client.NewMessage += Messages.Add;
        client.MessageUpdated += Edits.Add;
        client.MessageDeleted += Deletes.Add;
        client.ReadMarker += ReadMarkers.Add;
        client.Typing += Typing.Add;
        client.PresenceChanged += Presence.Add;
        client.NewPost += Posts.Add;
        client.NewComment += Comments.Add;
        client.Notification += Notifications.Add;
        client.ConnectionRequest += ConnectionRequests.Add;
        client.ConnectionAccepted += ConnectionAccepts.Add;
        client.IssueUpdated += IssueUpdates.Add;
        client.AlertTriggered += Alerts.Add;
        client.ChannelEvent += ChannelEvents.Add;
        client.Error += Errors.Add;
        client.AgentEvent += AgentEvents.Add;
    }

    public NetraClient Client { get; }

    public Received<NetraStateChange> States { get; } = new();

    public Received<NetraResumeIncomplete> ResumeIncomplete { get; } = new();

    public Received<ConnectionEstablishedEvent> Established { get; } = new();

    public Received<ChatMessage> Messages { get; } = new();

    public Received<MessageUpdatedEvent> Edits { get; } = new();

    public Received<MessageDeletedEvent> Deletes { get; } = new();

    public Received<ReadMarkerEvent> ReadMarkers { get; } = new();

    public Received<TypingEvent> Typing { get; } = new();

    public Received<PresenceChangedEvent> Presence { get; } = new();

    public Received<Post> Posts { get; } = new();

    public Received<Comment> Comments { get; } = new();

    public Received<NotificationEvent> Notifications { get; } = new();

    public Received<ConnectionRequestEvent> ConnectionRequests { get; } = new();

    public Received<ConnectionAcceptedEvent> ConnectionAccepts { get; } = new();

    public Received<ChannelEventMessage> IssueUpdates { get; } = new();

    public Received<ChannelEventMessage> Alerts { get; } = new();

    public Received<ChannelEventMessage> ChannelEvents { get; } = new();

    public Received<ErrorEvent> Errors { get; } = new();

    public Received<AgentEvent> AgentEvents { get; } = new();

    /// <summary>
    /// A client of the holder of <paramref name="token"/> on <paramref name="node"/> that does not reconnect
    /// (<see cref="ExponentialBackoffRetryPolicy.MaxAttempts"/> 0) and never re-subscribes to fill a gap (no
    /// <see cref="NetraClientOptions.GapTimeout"/>): live events are still delivered in seq order, each once.
    /// </summary>
    public static NetraClientOptions StrictOptions(INetraNode node, string? token) => new()
    {
        Url = node.BaseAddress,
        AccessTokenProvider = _ => ValueTask.FromResult(token),
        RetryPolicy = new ExponentialBackoffRetryPolicy { MaxAttempts = 0 },
        GapTimeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>A client that records its events from the start, not connected yet.</summary>
    public static UserClient Create(NetraClientOptions options) => new(new NetraClient(options));

    /// <summary>A strict client of <paramref name="user"/> on <paramref name="node"/>, connected.</summary>
    public static Task<UserClient> ConnectAsync(INetraNode node, TestUser user) => ConnectAsync(node, user.Token);

    /// <summary>A strict client with <paramref name="token"/> on <paramref name="node"/>, connected.</summary>
    public static Task<UserClient> ConnectAsync(INetraNode node, string? token) => ConnectAsync(StrictOptions(node, token));

    /// <summary>A client with these options, connected (and disposed if the connect fails).</summary>
    public static async Task<UserClient> ConnectAsync(NetraClientOptions options)
    {
        var user = Create(options);
        try
        {
            await user.Client.ConnectAsync().WaitAsync(TestTimeouts.Network);
        }
        catch
        {
            await user.DisposeAsync();
            throw;
        }

        return user;
    }

    /// <summary>Subscribes from now, bounded.</summary>
    public Task SubscribeAsync(string channel) => Client.SubscribeAsync(channel).WaitAsync(TestTimeouts.Network);

    /// <summary>Sends a chat message with a new clientMessageId, bounded; returns the stored message.</summary>
    public Task<ChatMessage> SendAsync(long chatId, string content) => Client.SendMessageAsync(chatId, content).WaitAsync(TestTimeouts.Network);

    /// <summary>Skips state changes until <paramref name="state"/> and returns that change.</summary>
    public Task<NetraStateChange> WaitForStateAsync(NetraConnectionState state) => States.NextAsync(change => change.State == state);

    /// <summary>The next <c>PresenceChanged</c> about <paramref name="userId"/>, skipping other users'.</summary>
    public Task<PresenceChangedEvent> NextPresenceOfAsync(long userId, TimeSpan? within = null) => Presence.NextAsync(p => p.UserId == userId, within);

    /// <summary>The <c>PresenceChanged</c> events about <paramref name="userId"/> that arrive within <see cref="TestTimeouts.Quiet"/>.</summary>
    public Task<List<PresenceChangedEvent>> PresenceOfWithinQuietAsync(long userId) => Presence.WithinQuietAsync(p => p.UserId == userId);

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
