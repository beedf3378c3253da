using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Netra.Client.Internal;
using Netra.Client.Transport;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;

namespace Netra.Client;

/// <summary>
/// A typed Netra client over one SignalR connection: hub methods as async methods, server events as
/// C# events, automatic reconnect with <see cref="NetraClientOptions.RetryPolicy"/>, resume of every
/// subscribed chat (missed messages first, then live ones, each once, in seq order), and an offline
/// queue for sends made while reconnecting.
/// </summary>
/// <remarks>
/// Create one per user and keep it; call <see cref="ConnectAsync"/> once. If the first connect fails
/// it throws (nothing is retried); after that, drops are retried by the policy, and when it gives up
/// <see cref="State"/> becomes <see cref="NetraConnectionState.Disconnected"/> with the reason, and
/// <see cref="ConnectAsync"/> may be called again (channels and their positions are kept).
/// </remarks>
public sealed partial class NetraClient : IAsyncDisposable
{
    private static readonly JsonSerializerOptions WireJson = new(JsonSerializerDefaults.Web);

    private readonly Lock gate = new();
    private readonly HubConnection hub;
    private readonly NetraClientOptions options;
    private readonly ILogger logger;
    private readonly EventDispatcher dispatcher;
    private readonly CancellationTokenSource lifetime = new();

    // Guarded by gate.
    private readonly Dictionary<string, ChannelState> channels = new(StringComparer.Ordinal);
    private readonly List<PendingSend> queue = [];
    private NetraConnectionState state = NetraConnectionState.Disconnected;
    private long generation;
    private bool disposed;

    // Completed (true) by the server's ConnectionEstablished on the connection being opened, or (false) when that
    // connection ends first. The server sends it once the connection is registered on every node.
    private TaskCompletionSource<bool> established = NewEstablished();

    // Completed (true) when the client reaches Connected, or (false) when it becomes Disconnected, after the
    // ConnectAsync that armed it: a first connect dropped before it was established waits on it for the reconnect.
    private TaskCompletionSource<bool> settled = NewEstablished();

    // Why the connection being opened ended before it was established: its close error, and the Error event the
    // server pushed before closing (e.g. CONNECTION_LIMIT). Reset with established.
    private Exception? closedWith;
    private ErrorEvent? refusedWith;

    // Per user, the version of the last PresenceChanged raised (guarded by itself): one user's announcements can
    // arrive out of order, and an older one is dropped. A pair of longs per user seen.
    private readonly Dictionary<long, long> presenceVersions = [];

    private long sendOrder;
    private long messagesSent;
    private long messagesReceived;
    private int reconnectCount;
    private long lastPingLatencyTicks = -1;
    private readonly TimeSpan configuredKeepAlive;
    private readonly TimeSpan configuredServerTimeout;

    public NetraClient(NetraClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var url = options.Url ?? throw new ArgumentException($"{nameof(NetraClientOptions.Url)} is required.", nameof(options));
        ArgumentNullException.ThrowIfNull(options.RetryPolicy);
        ArgumentNullException.ThrowIfNull(options.ResubscribeRetryPolicy);
        ArgumentOutOfRangeException.ThrowIfNegative(options.OfflineQueueCapacity);

        this.options = options;
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        logger = loggerFactory.CreateLogger<NetraClient>();
        dispatcher = new EventDispatcher(logger);

        var builder = new HubConnectionBuilder()
            .WithUrl(ToHubUrl(url), transport =>
            {
                transport.AccessTokenProvider = GetAccessTokenAsync;
                transport.SkipNegotiation = options.SkipNegotiation;
            })
            .WithAutomaticReconnect(options.RetryPolicy);
        builder.Services.AddSingleton(loggerFactory);
        hub = builder.Build();
        configuredKeepAlive = hub.KeepAliveInterval;
        configuredServerTimeout = hub.ServerTimeout;

        var router = new HubEventRouter(this);
        hub.On<ConnectionEstablishedEvent>(nameof(INetraClient.ConnectionEstablished), router.ConnectionEstablished);
        hub.On<ChatMessage>(nameof(INetraClient.NewMessage), router.NewMessage);
        hub.On<TypingEvent>(nameof(INetraClient.Typing), router.Typing);
        hub.On<PresenceChangedEvent>(nameof(INetraClient.PresenceChanged), router.PresenceChanged);
        hub.On<Contracts.Feed.Post>(nameof(INetraClient.NewPost), router.NewPost);
        hub.On<Contracts.Feed.Comment>(nameof(INetraClient.NewComment), router.NewComment);
        hub.On<Contracts.Notifications.NotificationEvent>(nameof(INetraClient.Notification), router.Notification);
        hub.On<Contracts.Notifications.ConnectionRequestEvent>(nameof(INetraClient.ConnectionRequest), router.ConnectionRequest);
        hub.On<Contracts.Notifications.ConnectionAcceptedEvent>(nameof(INetraClient.ConnectionAccepted), router.ConnectionAccepted);
        hub.On<Contracts.Events.ChannelEventMessage>(nameof(INetraClient.IssueUpdated), router.IssueUpdated);
        hub.On<Contracts.Events.ChannelEventMessage>(nameof(INetraClient.AlertTriggered), router.AlertTriggered);
        hub.On<Contracts.Events.ChannelEventMessage>(nameof(INetraClient.ChannelEvent), router.ChannelEvent);
        hub.On<ErrorEvent>(nameof(INetraClient.Error), router.Error);
        hub.On<Contracts.Agents.AgentEvent>(nameof(INetraClient.AgentEvent), router.AgentEvent);
        hub.On<MessageUpdatedEvent>(nameof(INetraClient.MessageUpdated), router.MessageUpdated);
        hub.On<MessageDeletedEvent>(nameof(INetraClient.MessageDeleted), router.MessageDeleted);
        hub.On<ReadMarkerEvent>(nameof(INetraClient.ReadMarker), router.ReadMarker);

        hub.Reconnecting += OnReconnectingAsync;
        hub.Reconnected += OnReconnectedAsync;
        hub.Closed += OnClosedAsync;
    }

    /// <summary>The current connection state; <see cref="StateChanged"/> reports each change.</summary>
    public NetraConnectionState State
    {
        get
        {
            lock (gate)
            {
                return state;
            }
        }
    }

    /// <summary>Counters: messages sent and received, reconnects, last ping latency.</summary>
    public NetraClientStats Stats
    {
        get
        {
            var latency = Interlocked.Read(ref lastPingLatencyTicks);
            return new NetraClientStats(
                Interlocked.Read(ref messagesSent),
                Interlocked.Read(ref messagesReceived),
                Volatile.Read(ref reconnectCount),
                latency < 0 ? null : TimeSpan.FromTicks(latency));
        }
    }

    /// <summary>The channels this client follows (and re-subscribes after a reconnect).</summary>
    public IReadOnlyCollection<string> SubscribedChannels
    {
        get
        {
            lock (gate)
            {
                return [.. channels.Keys];
            }
        }
    }

    /// <summary>
    /// Opens the connection (and re-subscribes the channels followed before, if this is a connect after
    /// the reconnect policy gave up). Completes once the server's <c>ConnectionEstablished</c> has come and the
    /// channels are resumed. Throws if the server cannot be reached or refuses the token, or
    /// <see cref="NetraException"/> with the server's code if it closes the connection before that (e.g.
    /// <c>CONNECTION_LIMIT</c>); the first connect is not retried. Dropped after the handshake but before
    /// <c>ConnectionEstablished</c>, with a reconnect allowed, it waits for the reconnect to be established (throws when the
    /// policy gives up). Cancelling <paramref name="cancellationToken"/> before it completes (during the handshake, while
    /// waiting for <c>ConnectionEstablished</c>, the resume or a reconnect) stops the connection and throws.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        long connecting;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (state != NetraConnectionState.Disconnected)
            {
                throw new InvalidOperationException($"The client is already {state}.");
            }

            state = NetraConnectionState.Connecting;
            connecting = ++generation;
            RearmEstablished();
            settled = NewEstablished();
            foreach (var channel in channels.Values)
            {
                channel.BeginResume();
            }

            RaiseStateChanged(new NetraStateChange(NetraConnectionState.Connecting, null));
        }

        try
        {
            await hub.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            SetDisconnected(ex);
            throw;
        }

        // The caller's token bounds the wait for ConnectionEstablished and the resume as well: cancelled, the
        // connection is stopped.
        bool connected;
        try
        {
            if (await ResumeAndDrainAsync(connecting).WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            Task<bool> outcome;
            lock (gate)
            {
                // The server closed the connection after the handshake (a refusal such as CONNECTION_LIMIT comes then), so
                // it is not connected: say why.
                if (state == NetraConnectionState.Disconnected)
                {
                    if (disposed)
                    {
                        return;
                    }

                    throw ClosedBeforeEstablished();
                }

                outcome = settled.Task;
            }

            // Dropped before it was established (or while resuming) with a reconnect allowed: the retry policy goes on,
            // and this call completes once a reconnect is established and resumed, as promised, or throws when the
            // policy gives up.
            connected = await outcome.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disconnected first: that also wakes a reconnect waiting for its ConnectionEstablished, which StopAsync
            // would otherwise wait for.
            SetDisconnected(new OperationCanceledException("ConnectAsync was cancelled before the connection was established.", null, cancellationToken));
            await hub.StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (!connected)
        {
            lock (gate)
            {
                if (!disposed)
                {
                    throw ClosedBeforeEstablished();
                }
            }
        }
    }

    /// <summary>
    /// Follows a channel (<c>chat:{id}</c>, <c>feed</c>, ...) from now on. The client remembers it and,
    /// for chats, the last seq delivered, and resumes it after every reconnect.
    /// </summary>
    /// <exception cref="NetraException">FORBIDDEN, VALIDATION_FAILED, ..., or CLIENT_DISCONNECTED.</exception>
    public Task SubscribeAsync(string channel, CancellationToken cancellationToken = default) =>
        SubscribeCoreAsync(channel, null, cancellationToken);

    /// <summary>
    /// Follows a channel starting after <paramref name="sinceSeq"/>: the messages after it are raised
    /// first (as <see cref="NewMessage"/>), then live ones. For applications that keep their position.
    /// </summary>
    public Task SubscribeAsync(string channel, long sinceSeq, CancellationToken cancellationToken = default) =>
        SubscribeCoreAsync(channel, sinceSeq, cancellationToken);

    /// <summary>Stops following a channel.</summary>
    public async Task UnsubscribeAsync(string channel, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        lock (gate)
        {
            if (channels.Remove(channel, out var removed))
            {
                removed.FirstSubscribeFailed(NoLongerFollowed());
            }
        }

        await InvokeAsync(hub.InvokeAsync(HubMethods.Unsubscribe, channel, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a chat message and completes with the stored message once the server acknowledged it.
    /// While reconnecting, the send waits in the offline queue and goes out, in call order, after the
    /// channels are resumed; a send cut off by a dropped connection is retried the same way. The
    /// <paramref name="clientMessageId"/> (a new UUID when null) is kept, so a retried send is stored once.
    /// </summary>
    /// <exception cref="NetraException">
    /// The server's code (FORBIDDEN, VALIDATION_FAILED, RATE_LIMITED, ...), CLIENT_QUEUE_FULL when the
    /// offline queue is full, or CLIENT_DISCONNECTED when not connected or the reconnect policy gave up.
    /// </exception>
    public async Task<ChatMessage> SendMessageAsync(
        long chatId,
        string content,
        string? attachment = null,
        string? clientMessageId = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var request = new SendMessageRequest(chatId, content, attachment, clientMessageId ?? Guid.NewGuid().ToString());
        var pending = new PendingSend(Interlocked.Increment(ref sendOrder), request);

        while (true)
        {
            long connection;
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                connection = generation;
                if (state == NetraConnectionState.Disconnected)
                {
                    throw HubErrors.Disconnected(null);
                }

                if (state != NetraConnectionState.Connected)
                {
                    if (queue.Count(p => !p.Interrupted) >= options.OfflineQueueCapacity)
                    {
                        throw new NetraException(
                            NetraClientErrorCodes.QueueFull,
                            $"The offline queue is full ({options.OfflineQueueCapacity} messages wait for the connection to come back).");
                    }

                    Enqueue(pending);
                    break;
                }
            }

            try
            {
                var stored = await hub.InvokeAsync<ChatMessage>(HubMethods.SendMessage, request, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref messagesSent);
                return stored;
            }
            catch (HubException ex)
            {
                throw HubErrors.ToNetraException(ex);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !lifetime.IsCancellationRequested)
            {
                // The connection dropped under the send; the server may or may not have stored it. It is
                // retried with the same clientMessageId, so it is stored at most once.
                NetraClientLog.SendInterrupted(logger, request.ClientMessageId, ex);
                lock (gate)
                {
                    if (state == NetraConnectionState.Disconnected)
                    {
                        throw HubErrors.Disconnected(ex);
                    }

                    // Same connection as the call (the drop is not processed yet) or reconnecting: the
                    // queue is sent after the reconnect. Already reconnected and resumed: retry now.
                    if (generation == connection || state != NetraConnectionState.Connected)
                    {
                        pending.Interrupted = true;
                        Enqueue(pending);
                        break;
                    }
                }
            }
        }

        using var registration = cancellationToken.Register(() => CancelQueued(pending, cancellationToken));
        return await pending.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Edits one of this user's messages (within the server's edit window); returns the message as it now is.</summary>
    public async Task<ChatMessage> EditMessageAsync(long chatId, long messageId, string content, CancellationToken cancellationToken = default) =>
        await InvokeAsync(hub.InvokeAsync<ChatMessage>(HubMethods.EditMessage, new EditMessageRequest(chatId, messageId, content), cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <summary>Deletes a message (this user's own, or any in a chat this user created).</summary>
    public Task DeleteMessageAsync(long chatId, long messageId, CancellationToken cancellationToken = default) =>
        InvokeAsync(hub.InvokeAsync(HubMethods.DeleteMessage, new DeleteMessageRequest(chatId, messageId), cancellationToken), cancellationToken);

    /// <summary>Marks a chat read up to <paramref name="seq"/> (only forward); returns the read position.</summary>
    public async Task<long> MarkReadAsync(long chatId, long seq, CancellationToken cancellationToken = default) =>
        await InvokeAsync(hub.InvokeAsync<long>(HubMethods.MarkRead, chatId, seq, cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <summary>Tells the chat's other subscribers that this user started or stopped typing.</summary>
    public Task SetTypingAsync(long chatId, bool isTyping, CancellationToken cancellationToken = default) =>
        InvokeAsync(hub.InvokeAsync(HubMethods.SetTyping, chatId, isTyping, cancellationToken), cancellationToken);

    /// <summary>
    /// Sets this user's status on the <c>presence</c> channel: <see cref="PresenceStatus.Away"/> or back to
    /// <see cref="PresenceStatus.Online"/> (for every connection of the user; announced only when it changes).
    /// Offline is not a status to set: a user goes offline when their last connection closes.
    /// </summary>
    /// <exception cref="NetraException">VALIDATION_FAILED for any other status, or CLIENT_DISCONNECTED.</exception>
    public Task SetPresenceAsync(string status, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        return InvokeAsync(hub.InvokeAsync(HubMethods.SetPresence, status, cancellationToken), cancellationToken);
    }

    /// <summary>Asks the server for its time; the round trip is kept as <see cref="NetraClientStats.LastPingLatency"/>.</summary>
    public async Task<DateTimeOffset> PingAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await InvokeAsync(hub.InvokeAsync<PingResult>(HubMethods.Ping, cancellationToken), cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref lastPingLatencyTicks, Stopwatch.GetElapsedTime(started).Ticks);
        return result.ServerTime;
    }

    /// <summary>
    /// Starts an agent run and yields its events as they happen: agent_started, then agent_thinking,
    /// tool_executing and partial_result steps, and last agent_completed or error (with a code). Cancelling
    /// <paramref name="cancellationToken"/> (or leaving the loop early) cancels the run on the server. A
    /// refused start throws <see cref="NetraException"/> (VALIDATION_FAILED, FORBIDDEN, RATE_LIMITED); a
    /// connection lost mid-run throws CLIENT_DISCONNECTED, and a chat-linked run goes on: its answer
    /// lands in the chat. Not queued while disconnected.
    /// </summary>
    public async IAsyncEnumerable<Contracts.Agents.AgentEvent> StartAgentRunAsync(
        Contracts.Agents.StartAgentRunRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var events = hub.StreamAsync<Contracts.Agents.AgentEvent>(HubMethods.StartAgentRun, request, cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        await using (events.ConfigureAwait(false))
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await events.MoveNextAsync().ConfigureAwait(false);
                }
                catch (HubException ex)
                {
                    throw HubErrors.ToNetraException(ex);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    throw HubErrors.Disconnected(ex);
                }

                if (!more)
                {
                    yield break;
                }

                yield return events.Current;
            }
        }
    }

    /// <summary>Closes the connection; queued sends fail with CLIENT_DISCONNECTED.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
        }

        await lifetime.CancelAsync().ConfigureAwait(false);
        await hub.DisposeAsync().ConfigureAwait(false);

        // A client that never connected gets no Closed event.
        SetDisconnected(null);
        dispatcher.Complete();
        lifetime.Dispose();
    }

    /// <summary>
    /// Follows the heartbeats the server announces: pings it at least twice per its client timeout (a server
    /// set to drop silent clients sooner than SignalR's 15 s pings would otherwise drop this one), and waits
    /// for it at least two of its keep-alive intervals before taking the connection for dead.
    /// </summary>
    private void AdoptServerTimings(ConnectionEstablishedEvent established)
    {
        var keepAlive = established.ClientTimeoutMs > 0
            ? TimeSpan.FromMilliseconds(Math.Min(configuredKeepAlive.TotalMilliseconds, established.ClientTimeoutMs / 2.0))
            : configuredKeepAlive;
        hub.ServerTimeout = established.KeepAliveIntervalMs > 0
            ? TimeSpan.FromMilliseconds(Math.Max(configuredServerTimeout.TotalMilliseconds, 2.0 * established.KeepAliveIntervalMs))
            : configuredServerTimeout;
        var sooner = keepAlive < hub.KeepAliveInterval;
        hub.KeepAliveInterval = keepAlive;
        if (sooner)
        {
            // The next ping was scheduled with the old interval; a call now reschedules it with the new one.
            _ = PingAfterConnectAsync();
        }
    }

    private async Task PingAfterConnectAsync()
    {
        try
        {
            await PingAsync(lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NetraException or OperationCanceledException)
        {
            // The connection dropped meanwhile; the reconnect announces the timings again.
            NetraClientLog.HeartbeatPingFailed(logger, exception);
        }
    }

    private static Uri ToHubUrl(Uri url) =>
        url.AbsolutePath is "" or "/" ? new Uri(url, HubPath.Hub) : url;

    private async Task<string?> GetAccessTokenAsync()
    {
        if (options.AccessTokenProvider is not { } provider)
        {
            return null;
        }

        try
        {
            return await provider(lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Logged here because the transport reports only that the connect failed.
            NetraClientLog.TokenProviderFailed(logger, ex);
            throw;
        }
    }

    private async Task SubscribeCoreAsync(string channel, long? sinceSeq, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        // Every channel but presence carries durable events with a seq (application channels too).
        var sequenced = !string.Equals(channel, Channels.Presence, StringComparison.Ordinal);
        while (true)
        {
            ChannelState? existing;
            ChannelState? subscription = null;
            long connection;
            long attempt = 0;
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                connection = generation;
                if (!channels.TryGetValue(channel, out existing))
                {
                    subscription = new ChannelState(channel, sequenced, sinceSeq);
                    channels.Add(channel, subscription);
                    attempt = subscription.BeginResume();
                }
            }

            if (existing is null)
            {
                await FirstSubscribeAsync(subscription!, attempt, connection, sinceSeq, cancellationToken).ConfigureAwait(false);
                return;
            }

            // Followed already, or its first subscribe is still on its way: that subscribe's outcome is this call's too.
            try
            {
                await existing.Subscribed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                continue; // its caller cancelled it, so the channel is not followed: subscribe anew
            }
            catch (NetraException refused)
            {
                throw new NetraException(refused.Code, refused.Message, refused);
            }

            if (sinceSeq is not { } since || await RewindAsync(existing, since, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            // No longer followed (refused, unsubscribed or removed meanwhile): subscribe anew.
        }
    }

    private async Task FirstSubscribeAsync(ChannelState subscription, long attempt, long connection, long? sinceSeq, CancellationToken cancellationToken)
    {
        try
        {
            var result = await InvokeAsync(
                hub.InvokeAsync<SubscribeResult>(HubMethods.Subscribe, subscription.Name, sinceSeq, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            Complete(subscription, attempt, connection, sinceSeq, result);
        }
        catch (NetraException ex) when (ex.InnerException is not HubException && !cancellationToken.IsCancellationRequested && KeptForResume(subscription))
        {
            // The connection dropped under it (or was not open yet) and a reconnect is under way: the channel stays
            // followed, the reconnect's resume subscribes it, and its outcome is this call's (see ResubscribeAsync).
            NetraClientLog.ResubscribeInterrupted(logger, subscription.Name, ex);
            await WaitForResumeAsync(subscription, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            lock (gate)
            {
                Forget(subscription);
            }

            subscription.FirstSubscribeFailed(ex);
            throw;
        }

        subscription.FirstSubscribeSucceeded();
    }

    /// <summary>True when a first subscribe cut off by a drop is left to the reconnect's resume.</summary>
    private bool KeptForResume(ChannelState subscription)
    {
        lock (gate)
        {
            // Disconnected (no reconnect allowed, the policy gave up, disposed): no resume will come.
            return !disposed && state != NetraConnectionState.Disconnected && IsFollowed(subscription);
        }
    }

    private async Task WaitForResumeAsync(ChannelState subscription, CancellationToken cancellationToken)
    {
        try
        {
            await subscription.Subscribed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Given up by its caller before the resume answered: not followed, as for a cancelled first subscribe.
            lock (gate)
            {
                if (subscription.FirstSubscribeFailed(new OperationCanceledException(cancellationToken)))
                {
                    Forget(subscription);
                }
            }

            throw;
        }
        catch (NetraException refused)
        {
            throw new NetraException(refused.Code, refused.Message, refused);
        }
    }

    /// <summary>The error of a first subscribe still waiting for the resume when its channel is no longer followed.</summary>
    private static OperationCanceledException NoLongerFollowed() =>
        new("The channel was no longer followed before its subscribe completed.");

    /// <summary>
    /// A followed channel asked for again from <paramref name="sinceSeq"/>: when that is before the last seq delivered,
    /// re-subscribes from it so that the events after it are raised again, in order, before live ones (as the TypeScript
    /// client replays to a second follower further behind). A failure leaves the channel where it was. False when the
    /// channel is no longer followed.
    /// </summary>
    private async Task<bool> RewindAsync(ChannelState subscription, long sinceSeq, CancellationToken cancellationToken)
    {
        long attempt;
        long? previous;
        long connection;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!IsFollowed(subscription))
            {
                return false;
            }

            connection = generation;
            if (!subscription.TryRewind(sinceSeq, out attempt, out previous))
            {
                return true; // not behind it: nothing to replay
            }
        }

        try
        {
            var result = await InvokeAsync(
                hub.InvokeAsync<SubscribeResult>(HubMethods.Subscribe, subscription.Name, sinceSeq, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            Complete(subscription, attempt, connection, sinceSeq, result);
            return true;
        }
        catch (NetraException refused) when (refused.InnerException is HubException && HubErrors.IsPermanentRefusal(refused.Code))
        {
            Drop(subscription, refused.Code);
            throw;
        }
        catch (Exception ex)
        {
            if (subscription.FailResume(attempt, restore: previous))
            {
                // Another (re-)subscribe it superseded may have had something to deliver: fetch it again.
                RetryLater(subscription, connection, ex, failures: 0, failingSince: 0);
            }

            throw;
        }
    }

    /// <summary>
    /// Delivers what a (re-)subscribe returned, then the live messages held meanwhile; nothing when a later
    /// (re-)subscribe of the channel was sent since (its answer counts).
    /// </summary>
    private void Complete(ChannelState subscription, long attempt, long connection, long? sinceSeq, SubscribeResult result)
    {
        var missed = subscription.Sequenced
            ? result.Missed.Select(item => ReadReplayed(subscription.Name, item)).ToList()
            : [];
        if (!subscription.CompleteResume(attempt, missed, result.LastSeq, out var before, out var gap))
        {
            return;
        }

        NetraClientLog.Resumed(logger, subscription.Name, sinceSeq, missed.Count, result.LastSeq, result.Recovered);
        if (gap is { } open)
        {
            RepairGapLater(subscription, connection, open);
        }

        if (!result.Recovered)
        {
            RaiseResumeIncomplete(new NetraResumeIncomplete(subscription.Name, before ?? sinceSeq, result.LastSeq));
        }
    }

    /// <summary>
    /// After <see cref="NetraClientOptions.GapTimeout"/>, if the channel still waits for a missing seq,
    /// re-subscribes from the last seq delivered so that the server replays what is missing.
    /// </summary>
    private void RepairGapLater(ChannelState subscription, long connection, long gap) =>
        ResubscribeLater(subscription, connection, gap, failures: 0, failingSince: 0, options.GapTimeout);

    /// <summary>
    /// A (re-)subscribe failed with a transient code (INTERNAL while PostgreSQL is down, RATE_LIMITED, ...) or an
    /// error of the client's own: the channel stays followed with its last seq and is tried again on this
    /// connection after <see cref="NetraClientOptions.ResubscribeRetryPolicy"/>'s delay, or the server's
    /// "retry in N s" if later, and in any case by the next reconnect's resume.
    /// </summary>
    private void RetryLater(ChannelState subscription, long connection, Exception error, int failures, long failingSince)
    {
        if (failures == 0)
        {
            failingSince = Stopwatch.GetTimestamp();
        }

        var code = error is NetraException coded ? coded.Code : NetraClientErrorCodes.Disconnected;
        var delay = options.ResubscribeRetryPolicy.NextRetryDelay(new RetryContext
        {
            PreviousRetryCount = failures,
            ElapsedTime = Stopwatch.GetElapsedTime(failingSince),
            RetryReason = error,
        });
        if (delay is not { } wait)
        {
            NetraClientLog.ResubscribeGaveUp(logger, subscription.Name, code);
            return;
        }

        if (HubErrors.RetryIn(error.Message) is { } asked && asked > wait)
        {
            wait = asked;
        }

        NetraClientLog.ResubscribeFailed(logger, subscription.Name, error.Message, wait);
        ResubscribeLater(subscription, connection, gap: null, failures + 1, failingSince, wait);
    }

    /// <summary>
    /// After <paramref name="delay"/>, re-subscribes the channel from its last delivered seq if it still needs it: the
    /// gap of version <paramref name="gap"/> is still open, or (null) the last (re-)subscribe failed. Only on the
    /// connection of <paramref name="connection"/>: once another one is opened, its resume re-subscribes every followed
    /// channel from its last delivered seq, which covers the gap or the failure as well.
    /// </summary>
    private void ResubscribeLater(ChannelState subscription, long connection, long? gap, int failures, long failingSince, TimeSpan delay) => _ = Task.Run(async () =>
    {
        try
        {
            await Task.Delay(delay, lifetime.Token).ConfigureAwait(false);
            long attempt;
            lock (gate)
            {
                // Not followed any more, or nothing left to do: the gap closed by itself, or another re-subscribe of the
                // channel is in flight (and retries itself if it fails).
                if (generation != connection || !IsFollowed(subscription) || !subscription.TryBeginRepair(gap, out attempt))
                {
                    return;
                }
            }

            var sinceSeq = ResumePoint(subscription);
            if (gap is null)
            {
                NetraClientLog.Resubscribing(logger, subscription.Name, sinceSeq, failures);
            }
            else
            {
                NetraClientLog.RepairingGap(logger, subscription.Name, sinceSeq, options.GapTimeout);
            }

            await ResubscribeAsync(subscription, attempt, connection, sinceSeq, failures, failingSince).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
            // The client is being disposed.
        }
    });

    /// <summary>
    /// Sends one re-subscribe of a followed channel (the resume after a (re)connect, a gap repair, a retry) and applies
    /// its outcome: a permanent refusal drops the channel, a transient one keeps it and retries it later. False when
    /// the connection failed under it (the next connection's resume takes over) or the client is closing.
    /// </summary>
    private async Task<bool> ResubscribeAsync(ChannelState subscription, long attempt, long connection, long? sinceSeq, int failures, long failingSince)
    {
        try
        {
            var result = await hub.InvokeAsync<SubscribeResult>(HubMethods.Subscribe, subscription.Name, sinceSeq, lifetime.Token).ConfigureAwait(false);
            Complete(subscription, attempt, connection, sinceSeq, result);
            subscription.FirstSubscribeSucceeded(); // a first subscribe cut off by a drop completes with the resume
            return true;
        }
        catch (HubException ex)
        {
            var error = HubErrors.ToNetraException(ex);
            if (HubErrors.IsPermanentRefusal(error.Code))
            {
                // E.g. the user was removed from the chat while away: the server will not let it be followed again.
                Drop(subscription, error.Code);
                subscription.FirstSubscribeFailed(error);
            }
            else if (!subscription.Settled && ForgetUnconfirmed(subscription, error))
            {
                // The first subscribe of the channel was cut off by a drop and never answered: refused now, it is not
                // followed, and its caller gets the refusal, as if the first subscribe itself had been refused.
            }
            else if (subscription.FailResume(attempt))
            {
                RetryLater(subscription, connection, error, failures, failingSince);
            }

            return true;
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex)
        {
            // The connection dropped under it; the next connection's resume re-subscribes the channel.
            NetraClientLog.ResubscribeInterrupted(logger, subscription.Name, ex);
            subscription.FailResume(attempt);
            return false;
        }
    }

    /// <summary>Refused for good (FORBIDDEN, NOT_FOUND, VALIDATION_FAILED, UNAUTHORIZED): no longer followed.</summary>
    private void Drop(ChannelState subscription, string code)
    {
        bool dropped;
        lock (gate)
        {
            dropped = Forget(subscription);
        }

        if (dropped)
        {
            NetraClientLog.ResubscribeRefused(logger, subscription.Name, code);
        }
    }

    /// <summary>Fails a first subscribe the resume took over and stops following its channel; false when it was settled meanwhile.</summary>
    private bool ForgetUnconfirmed(ChannelState subscription, NetraException error)
    {
        lock (gate)
        {
            if (!subscription.FirstSubscribeFailed(error))
            {
                return false;
            }

            Forget(subscription);
            return true;
        }
    }

    /// <summary>Under <see cref="gate"/>: true when <paramref name="subscription"/> is the channel followed under its name.</summary>
    private bool IsFollowed(ChannelState subscription) =>
        channels.TryGetValue(subscription.Name, out var followed) && ReferenceEquals(followed, subscription);

    /// <summary>Under <see cref="gate"/>: stops following the channel if <paramref name="subscription"/> is still it.</summary>
    private bool Forget(ChannelState subscription) => IsFollowed(subscription) && channels.Remove(subscription.Name);

    /// <summary>The seq a re-subscribe asks to resume after: the last delivered, or null ("from now") for presence.</summary>
    private static long? ResumePoint(ChannelState subscription) => subscription.Sequenced ? subscription.ResumeAfter : null;

    private void Enqueue(PendingSend pending)
    {
        // Sorted by call order: a send interrupted by the drop goes before the ones queued after it.
        var index = queue.FindIndex(p => p.Order > pending.Order);
        queue.Insert(index < 0 ? queue.Count : index, pending);
    }

    private void CancelQueued(PendingSend pending, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            queue.Remove(pending);
        }

        pending.Completion.TrySetCanceled(cancellationToken);
    }

    private const string ServerClosedCleanly = "The server closed the connection without an error; reconnecting.";

    private Task OnReconnectingAsync(Exception? error)
    {
        NetraClientLog.Reconnecting(logger, error);
        lock (gate)
        {
            generation++;
            state = NetraConnectionState.Reconnecting;
            RearmEstablished();
            foreach (var channel in channels.Values)
            {
                channel.BeginResume();
            }

            // No error: the server ended the connection cleanly but allows a reconnect (its hub's close message on
            // shutdown, or a close frame that raced the transport's own 1001). Still not a disposal: say so.
            RaiseStateChanged(new NetraStateChange(NetraConnectionState.Reconnecting, error?.Message ?? ServerClosedCleanly));
        }

        return Task.CompletedTask;
    }

    private async Task OnReconnectedAsync(string? connectionId)
    {
        Interlocked.Increment(ref reconnectCount);
        long reconnected;
        lock (gate)
        {
            reconnected = ++generation;
            foreach (var channel in channels.Values)
            {
                channel.BeginResume();
            }

            NetraClientLog.Reconnected(logger, channels.Count, queue.Count);
        }

        await ResumeAndDrainAsync(reconnected).ConfigureAwait(false);
    }

    private Task OnClosedAsync(Exception? error)
    {
        NetraClientLog.Closed(logger, error);
        SetDisconnected(error);
        return Task.CompletedTask;
    }

    private void SetDisconnected(Exception? error)
    {
        List<PendingSend> failed;
        lock (gate)
        {
            generation++;
            closedWith = error;
            established.TrySetResult(false);
            settled.TrySetResult(false);
            failed = [.. queue];
            queue.Clear();

            // A first subscribe cut off by a drop waits for the reconnect's resume; there will be none now.
            foreach (var waiting in channels.Values.Where(c => !c.Settled).ToList())
            {
                if (waiting.FirstSubscribeFailed(HubErrors.Disconnected(error)))
                {
                    channels.Remove(waiting.Name);
                }
            }

            if (state == NetraConnectionState.Disconnected)
            {
                return;
            }

            state = NetraConnectionState.Disconnected;
            RaiseStateChanged(new NetraStateChange(NetraConnectionState.Disconnected, error?.Message));
        }

        foreach (var pending in failed)
        {
            pending.Completion.TrySetException(HubErrors.Disconnected(error));
        }
    }

    /// <summary>
    /// After a (re)connect: waits for the server's <c>ConnectionEstablished</c>, re-subscribes every channel from its
    /// last delivered seq, then sends the offline queue in order, then reports Connected (true). A channel refused for
    /// good is dropped; one refused for now is kept and retried (<see cref="ResubscribeAsync"/>). Stops (false) if the
    /// connection drops again meanwhile (the next Reconnected starts over) or the client is disconnected.
    /// </summary>
    private async Task<bool> ResumeAndDrainAsync(long connection)
    {
        if (!await WaitForEstablishedAsync(connection).ConfigureAwait(false))
        {
            return false;
        }

        List<ChannelState> toResume;
        lock (gate)
        {
            toResume = [.. channels.Values];
        }

        foreach (var subscription in toResume)
        {
            long attempt;
            lock (gate)
            {
                if (generation != connection)
                {
                    return false;
                }

                if (!IsFollowed(subscription))
                {
                    continue; // unsubscribed meanwhile
                }

                attempt = subscription.BeginResume();
            }

            if (!await ResubscribeAsync(subscription, attempt, connection, ResumePoint(subscription), failures: 0, failingSince: 0).ConfigureAwait(false))
            {
                return false;
            }
        }

        return await DrainQueueAsync(connection).ConfigureAwait(false);
    }

    private async Task<bool> DrainQueueAsync(long connection)
    {
        while (true)
        {
            PendingSend next;
            lock (gate)
            {
                if (generation != connection)
                {
                    return false;
                }

                if (queue.Count == 0)
                {
                    state = NetraConnectionState.Connected;
                    settled.TrySetResult(true);
                    RaiseStateChanged(new NetraStateChange(NetraConnectionState.Connected, null));
                    return true;
                }

                next = queue[0];
                queue.RemoveAt(0);
            }

            if (next.Completion.Task.IsCompleted)
            {
                continue;
            }

            try
            {
                var stored = await hub.InvokeAsync<ChatMessage>(HubMethods.SendMessage, next.Request, lifetime.Token).ConfigureAwait(false);
                Interlocked.Increment(ref messagesSent);
                next.Completion.TrySetResult(stored);
            }
            catch (HubException ex)
            {
                next.Completion.TrySetException(HubErrors.ToNetraException(ex));
            }
            catch (Exception ex)
            {
                // Dropped again: back to the head of the queue for the next reconnect, unless the client is
                // disconnected for good (then the queue was already failed).
                NetraClientLog.SendInterrupted(logger, next.Request.ClientMessageId, ex);
                lock (gate)
                {
                    if (state != NetraConnectionState.Disconnected)
                    {
                        next.Interrupted = true;
                        Enqueue(next);
                        return false;
                    }
                }

                next.Completion.TrySetException(HubErrors.Disconnected(ex));
                return false;
            }
        }
    }

    /// <summary>
    /// A push to this user from another node (a connection request, a notification) reaches a connection only once the
    /// server has registered it. Netra's server answers the handshake only then and sends <c>ConnectionEstablished</c>
    /// right after, but SignalR's own answers the handshake first; Connected is reported only after that event, so that
    /// whatever the application loads on Connected is followed by every later push either way. Bounded by the handshake
    /// timeout; past it the connection is used anyway and that is logged. False when this connection ended first or the
    /// client is closing.
    /// </summary>
    private async Task<bool> WaitForEstablishedAsync(long connection)
    {
        Task<bool> arrival;
        lock (gate)
        {
            arrival = established.Task;
        }

        try
        {
            if (!await arrival.WaitAsync(hub.HandshakeTimeout, lifetime.Token).ConfigureAwait(false))
            {
                return false;
            }
        }
        catch (TimeoutException)
        {
            NetraClientLog.EstablishedLate(logger, hub.HandshakeTimeout);
        }
        catch (OperationCanceledException)
        {
            return false; // disposed
        }

        return IsCurrent(connection);
    }

    private static TaskCompletionSource<bool> NewEstablished() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A new connection is being opened: wakes the waiters of the one before, and waits for this one's event. Under <see cref="gate"/>.</summary>
    private void RearmEstablished()
    {
        established.TrySetResult(false);
        established = NewEstablished();
        closedWith = null;
        refusedWith = null;
    }

    /// <summary>
    /// Under <see cref="gate"/>: why the server closed the connection being opened, with its code: its close message's
    /// error (<c>CONNECTION_LIMIT: ...</c>), else the <c>Error</c> event it pushed first, else CLIENT_DISCONNECTED.
    /// </summary>
    private NetraException ClosedBeforeEstablished() => (closedWith, refusedWith) switch
    {
        (HubException closed, _) => HubErrors.ToNetraException(closed),
        (var closed, { } refused) => new NetraException(refused.Code, $"{refused.Code}: {refused.Error}", closed),
        (var closed, null) => HubErrors.Disconnected(closed),
    };

    private bool IsCurrent(long connection)
    {
        lock (gate)
        {
            return generation == connection;
        }
    }

    private static async Task InvokeAsync(Task call, CancellationToken cancellationToken)
    {
        try
        {
            await call.ConfigureAwait(false);
        }
        catch (HubException ex)
        {
            throw HubErrors.ToNetraException(ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw HubErrors.Disconnected(ex);
        }
    }

    private static async Task<T> InvokeAsync<T>(Task<T> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (HubException ex)
        {
            throw HubErrors.ToNetraException(ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw HubErrors.Disconnected(ex);
        }
    }
}
