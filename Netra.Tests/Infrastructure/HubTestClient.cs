using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR.Client;
using Netra.Client.Transport;
using Netra.Contracts.Agents;
using Netra.Contracts.Chat;
using Netra.Contracts.Events;
using Netra.Contracts.Feed;
using Netra.Contracts.Notifications;
using Netra.Contracts.Realtime;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// SignalR's own <see cref="HubConnection"/> over Netra.Client's transport, recording every server event by name, for
/// tests that check the wire itself: Subscribe's reply, each event exactly as the server sends it to a connection
/// (repeats and order included, which NetraClient would repair), arguments no Netra client sends, closes. A test that
/// plays a user uses <see cref="UserClient"/>.
/// </summary>
public sealed class HubTestClient : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Received<object>> events = new();

    private HubTestClient(HubConnection connection)
    {
        Connection = connection;
        Record<ConnectionEstablishedEvent>(nameof(INetraClient.ConnectionEstablished));
        Record<ChatMessage>(nameof(INetraClient.NewMessage));
        Record<TypingEvent>(nameof(INetraClient.Typing));
        Record<PresenceChangedEvent>(nameof(INetraClient.PresenceChanged));
        Record<ErrorEvent>(nameof(INetraClient.Error));
        Record<ChannelEventMessage>(nameof(INetraClient.ChannelEvent));
        Record<ChannelEventMessage>(nameof(INetraClient.IssueUpdated));
        Record<ChannelEventMessage>(nameof(INetraClient.AlertTriggered));
        Record<AgentEvent>(nameof(INetraClient.AgentEvent));
        Record<Post>(nameof(INetraClient.NewPost));
        Record<Comment>(nameof(INetraClient.NewComment));
        Record<NotificationEvent>(nameof(INetraClient.Notification));
        Record<ConnectionRequestEvent>(nameof(INetraClient.ConnectionRequest));
        Record<ConnectionAcceptedEvent>(nameof(INetraClient.ConnectionAccepted));
        connection.Closed += exception =>
        {
            Closed.TrySetResult(exception);
            return Task.CompletedTask;
        };
    }

    public HubConnection Connection { get; }

    public TaskCompletionSource<Exception?> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Connects; <paramref name="keepAlive"/> overrides the client's ping interval (for servers with a short client timeout).</summary>
    public static async Task<HubTestClient> ConnectAsync(INetraNode server, string? token, TimeSpan? keepAlive = null)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(server.HubUrl, options =>
            {
                options.AccessTokenProvider = () => Task.FromResult(token);
                // A WebSocket without negotiate, so that the hub tests run on Netra's own transport (Realtime/WebSockets);
                // negotiated connections are UserClient's (Netra.Client's default) and the browser's.
                options.SkipNegotiation = true;
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            });
        if (keepAlive is { } interval)
        {
            builder.WithKeepAliveInterval(interval);
        }

        var connection = builder.Build();
        var client = new HubTestClient(connection);
        try
        {
            await connection.StartAsync().WaitAsync(TestTimeouts.Network);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return client;
    }

    public static Task<HubTestClient> ConnectAsync(INetraNode server, TestUser user) => ConnectAsync(server, user.Token);

    /// <summary>The next event of that name, in arrival order, within <see cref="TestTimeouts.Network"/>.</summary>
    public async Task<T> NextAsync<T>(string eventName) => (T)await Events(eventName).NextAsync();

    /// <summary>True when no event of that name arrives within <see cref="TestTimeouts.Quiet"/>; takes nothing.</summary>
    public Task<bool> StaysQuietAsync(string eventName) => Events(eventName).StaysQuietAsync();

    /// <summary>The next <c>PresenceChanged</c> about <paramref name="userId"/>, skipping other users'.</summary>
    public async Task<PresenceChangedEvent> NextPresenceOfAsync(long userId) =>
        (PresenceChangedEvent)await Events(nameof(INetraClient.PresenceChanged)).NextAsync(e => ((PresenceChangedEvent)e).UserId == userId);

    public Task<SubscribeResult> SubscribeAsync(string channel, long? sinceSeq = null) =>
        Connection.InvokeAsync<SubscribeResult>(HubMethods.Subscribe, channel, sinceSeq).WaitAsync(TestTimeouts.Network);

    public Task<ChatMessage> SendAsync(long chatId, string content) =>
        Connection.InvokeAsync<ChatMessage>(HubMethods.SendMessage, new SendMessageRequest(chatId, content, null, Guid.NewGuid().ToString()))
            .WaitAsync(TestTimeouts.Network);

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    private void Record<T>(string eventName) =>
        Connection.On<T>(eventName, payload => Events(eventName).Add(payload!));

    private Received<object> Events(string eventName) => events.GetOrAdd(eventName, _ => new Received<object>());
}
