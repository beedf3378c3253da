using System.Collections.Concurrent;
using System.Threading.Channels;
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
/// A real SignalR client over a real WebSocket (SignalR.Client.Core with Netra.Client's transport)
/// that records every server event so that tests can await them in order.
/// </summary>
public sealed class HubTestClient : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Channel<object>> events = new();

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
    public static async Task<HubTestClient> ConnectAsync(INetraNode server, string? token, bool skipNegotiation = false, TimeSpan? keepAlive = null)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(server.HubUrl, options =>
            {
                options.AccessTokenProvider = () => Task.FromResult(token);
                options.SkipNegotiation = skipNegotiation;
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

    /// <summary>The next event of that name, in arrival order.</summary>
    public async Task<T> NextAsync<T>(string eventName, TimeSpan? timeout = null)
    {
        var item = await Events(eventName).Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TestTimeouts.Network);
        return (T)item;
    }

    /// <summary>True when no event of that name arrives within <see cref="TestTimeouts.Quiet"/>.</summary>
    public async Task<bool> StaysQuietAsync(string eventName)
    {
        try
        {
            await Events(eventName).Reader.WaitToReadAsync().AsTask().WaitAsync(TestTimeouts.Quiet);
            return false;
        }
        catch (TimeoutException)
        {
            return true;
        }
    }

    /// <summary>A fresh queue of every <paramref name="eventName"/> event from now on, for events this class does not record.</summary>
    public Channel<T> Watch<T>(string eventName)
    {
        var channel = Channel.CreateUnbounded<T>();
        Connection.On<T>(eventName, e => channel.Writer.TryWrite(e));
        return channel;
    }

    /// <summary>The next <c>PresenceChanged</c> about <paramref name="userId"/>, skipping other users'.</summary>
    public async Task<PresenceChangedEvent> NextPresenceOfAsync(long userId, TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TestTimeouts.Network);
        while (true)
        {
            var presence = (PresenceChangedEvent)await Events(nameof(INetraClient.PresenceChanged)).Reader.ReadAsync(timeout.Token);
            if (presence.UserId == userId)
            {
                return presence;
            }
        }
    }

    /// <summary>The <c>PresenceChanged</c> events about <paramref name="userId"/> that arrive within <see cref="TestTimeouts.Quiet"/>.</summary>
    public async Task<List<PresenceChangedEvent>> PresenceOfWithinQuietAsync(long userId)
    {
        var seen = new List<PresenceChangedEvent>();
        using var quiet = new CancellationTokenSource(TestTimeouts.Quiet);
        try
        {
            while (true)
            {
                var presence = (PresenceChangedEvent)await Events(nameof(INetraClient.PresenceChanged)).Reader.ReadAsync(quiet.Token);
                if (presence.UserId == userId)
                {
                    seen.Add(presence);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return seen;
        }
    }

    public Task<SubscribeResult> SubscribeAsync(string channel, long? sinceSeq = null) =>
        Connection.InvokeAsync<SubscribeResult>(HubMethods.Subscribe, channel, sinceSeq).WaitAsync(TestTimeouts.Network);

    public Task<ChatMessage> SendAsync(long chatId, string content, string? clientMessageId = null, string? attachment = null) =>
        Connection.InvokeAsync<ChatMessage>(HubMethods.SendMessage, new SendMessageRequest(chatId, content, attachment, clientMessageId ?? Guid.NewGuid().ToString()))
            .WaitAsync(TestTimeouts.Network);

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    private void Record<T>(string eventName) =>
        Connection.On<T>(eventName, payload => Events(eventName).Writer.TryWrite(payload!));

    private Channel<object> Events(string eventName) => events.GetOrAdd(eventName, _ => Channel.CreateUnbounded<object>());
}
