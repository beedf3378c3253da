using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Contracts.Realtime;
using Netra.Server.Realtime;

namespace Netra.Server.Chat;

/// <summary>
/// Typing states of this node's connections, each with a timer: a state not refreshed by <c>SetTyping(chatId, true)</c>
/// within <see cref="ChatOptions.TypingTimeoutSeconds"/> ends by itself, and so does every state of a connection
/// that closes; either way the chat's other subscribers (on any node) get <c>Typing(isTyping: false)</c>.
/// </summary>
/// <remarks>
/// The timer runs on the typer's node because that is where the connection and its refreshes are. Only typing
/// connections are held here, and only until they stop, time out or disconnect. A node that dies cannot send the
/// stop for its typers: clients should also forget a typing state they have not seen refreshed for a while.
/// </remarks>
internal sealed class TypingTracker(
    IHubContext<NetraHub, INetraClient> hub,
    IOptions<ChatOptions> options,
    TimeProvider time,
    ILogger<TypingTracker> logger) : IDisposable
{
    private readonly Dictionary<(string ConnectionId, long ChatId), Entry> states = [];

    /// <summary>How many connections are typing somewhere now, on this node.</summary>
    public int Count
    {
        get
        {
            lock (states)
            {
                return states.Count;
            }
        }
    }

    /// <summary>Starts or refreshes (<paramref name="isTyping"/>) or ends a typing state, and tells the chat's other subscribers.</summary>
    public Task SetAsync(long userId, string userName, string connectionId, long chatId, bool isTyping)
    {
        var key = (connectionId, chatId);
        lock (states)
        {
            if (states.Remove(key, out var previous))
            {
                previous.Timer.Dispose();
            }

            if (isTyping)
            {
                // A new timer per refresh: a callback of an older one finds its entry gone and does nothing.
                var entry = new Entry(userId, userName);
                entry.Timer = time.CreateTimer(
                    static state => ((Expiry)state!).Fire(), new Expiry(this, key, entry), TimeSpan.FromSeconds(options.Value.TypingTimeoutSeconds), Timeout.InfiniteTimeSpan);
                states[key] = entry;
            }
        }

        return SendAsync(connectionId, new TypingEvent(chatId, userId, userName, isTyping));
    }

    /// <summary>Ends every typing state of a connection that closed.</summary>
    public async Task ConnectionClosedAsync(string connectionId)
    {
        var ended = new List<(long ChatId, Entry Entry)>();
        lock (states)
        {
            foreach (var (key, entry) in states.Where(state => state.Key.ConnectionId == connectionId).ToList())
            {
                states.Remove(key);
                entry.Timer.Dispose();
                ended.Add((key.ChatId, entry));
            }
        }

        foreach (var (chatId, entry) in ended)
        {
            ChatLog.TypingEnded(logger, entry.UserId, chatId, "connection closed");
            await SendAsync(connectionId, new TypingEvent(chatId, entry.UserId, entry.UserName, false));
        }
    }

    public void Dispose()
    {
        lock (states)
        {
            foreach (var entry in states.Values)
            {
                entry.Timer.Dispose();
            }

            states.Clear();
        }
    }

    private async Task ExpireAsync((string ConnectionId, long ChatId) key, Entry entry)
    {
        lock (states)
        {
            if (!states.TryGetValue(key, out var current) || !ReferenceEquals(current, entry))
            {
                return; // refreshed or ended meanwhile
            }

            states.Remove(key);
            entry.Timer.Dispose();
        }

        ChatLog.TypingEnded(logger, entry.UserId, key.ChatId, "not refreshed");
        await SendAsync(key.ConnectionId, new TypingEvent(key.ChatId, entry.UserId, entry.UserName, false));
    }

    private async Task SendAsync(string connectionId, TypingEvent typing)
    {
        try
        {
            await hub.Clients.GroupExcept(Channels.Chat(typing.ChatId), connectionId).Typing(typing);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Ephemeral: the next refresh or stop is sent again.
            ChatLog.TypingSendFailed(logger, typing.UserId, typing.ChatId, exception);
        }
    }

    private sealed class Entry(long userId, string userName)
    {
        public long UserId { get; } = userId;

        public string UserName { get; } = userName;

        public ITimer Timer { get; set; } = null!;
    }

    private sealed record Expiry(TypingTracker Tracker, (string ConnectionId, long ChatId) Key, Entry Entry)
    {
        // A timer callback cannot be awaited; ExpireAsync logs its own failures (SendAsync catches), so nothing is lost unseen.
        public void Fire() => _ = Tracker.ExpireAsync(Key, Entry);
    }
}
