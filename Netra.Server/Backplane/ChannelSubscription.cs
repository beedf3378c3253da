using StackExchange.Redis;

namespace Netra.Server.Backplane;

/// <summary>
/// One Redis channel this node listens to. StackExchange.Redis queues the channel's messages in publish order
/// (its <see cref="ChannelMessageQueue"/>; handler subscriptions would run concurrently and may reorder them), and one
/// pump per channel delivers them in that order, so a slow receiver never blocks Redis's reader and messages of one
/// channel never overtake each other. A delivery is issued to the connections (each connection writes in the order
/// issued) before the next one is; the pump goes on to the next message without waiting for slow connections to take
/// the last one, up to a number given per channel (1 for channels whose deliveries change state and must run one after
/// the other).
/// </summary>
internal sealed class ChannelSubscription : IAsyncDisposable
{
    /// <summary>Deliveries whose writes are still pending before the pump waits for the oldest (backpressure from slow connections).</summary>
    public const int MaxDeliveriesInFlight = 64;

    /// <summary>Waiting messages taken together at most, where a channel takes them together at all.</summary>
    public const int MaxBacklog = 64;

    private readonly Func<IReadOnlyList<byte[]>, ValueTask<Task>> deliver;
    private readonly int maxInFlight;
    private readonly int maxBacklog;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stop = new();
    private readonly CancellationToken stopping; // kept apart from the source: a pump may still read it once that is disposed
    private ChannelMessageQueue? queue;
    private Task pump = Task.CompletedTask;
    private bool unsubscribed;

    /// <param name="deliver">Delivers the messages taken together (one, or up to <paramref name="maxBacklog"/>, in publish order).</param>
    public ChannelSubscription(string name, Func<IReadOnlyList<byte[]>, ValueTask<Task>> deliver, int maxInFlight, int maxBacklog, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBacklog, 1);
        Name = name;
        Channel = new RedisChannel(name, RedisChannel.PatternMode.Literal);
        this.deliver = deliver;
        this.maxInFlight = maxInFlight;
        this.maxBacklog = maxBacklog;
        this.logger = logger;
        stopping = stop.Token;
    }

    public string Name { get; }

    /// <summary>Literal, never a pattern: the default conversion from string would treat '*' or '?' in a group name as a pattern.</summary>
    public RedisChannel Channel { get; }

    /// <summary>
    /// Subscribes and starts delivering. True once Redis has confirmed the SUBSCRIBE; false while Redis is unreachable:
    /// the subscription is then only registered, and StackExchange.Redis sends it once it has reconnected (as it does
    /// again for every subscription after each reconnect).
    /// </summary>
    public async Task<bool> StartAsync(ISubscriber subscriber)
    {
        var confirmed = subscriber.Multiplexer.IsConnected && await TrySubscribeConfirmedAsync(subscriber);
        var subscribed = queue ??= await subscriber.SubscribeAsync(Channel, CommandFlags.FireAndForget);
        if (stop.IsCancellationRequested)
        {
            // Disposed while the SUBSCRIBE was on its way (the node is stopping): take it back rather than fill a queue.
            await subscribed.UnsubscribeAsync(CommandFlags.FireAndForget);
            return confirmed;
        }

        pump = Task.Run(() => PumpAsync(subscribed));
        return confirmed;
    }

    /// <summary>A SUBSCRIBE that Redis confirms; false (and no queue) when Redis went away meanwhile.</summary>
    private async Task<bool> TrySubscribeConfirmedAsync(ISubscriber subscriber)
    {
        try
        {
            queue = await subscriber.SubscribeAsync(Channel);
            return true;
        }
        catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException or TimeoutException)
        {
            // The failed call registered a queue it did not hand out: take that back before registering ours.
            BackplaneLog.SubscribeFailed(logger, Name, exception);
            await subscriber.UnsubscribeAsync(Channel, handler: null, CommandFlags.FireAndForget);
            return false;
        }
    }

    /// <summary>Tells Redis this node no longer listens; what was received before is still delivered.</summary>
    public async Task UnsubscribeAsync()
    {
        if (queue is { } subscribed)
        {
            await subscribed.UnsubscribeAsync();
            unsubscribed = true;
        }
    }

    /// <summary>
    /// Stops the pump: after <see cref="UnsubscribeAsync"/> once the queue is drained, otherwise (the node is stopping,
    /// or Redis could not take the UNSUBSCRIBE) at once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!unsubscribed)
        {
            await stop.CancelAsync();
        }

        await pump;
        stop.Dispose();
    }

    private async Task PumpAsync(ChannelMessageQueue queue)
    {
        var inFlight = new Queue<Task>();
        // The queue's enumerator ends when the queue completes (unsubscribed, every message delivered) rather than
        // throwing as a read of a completed queue does: a node whose users come and go unsubscribes a channel for each.
        await using var messages = queue.GetAsyncEnumerator(stopping);
        try
        {
            while (await NextAsync(messages) is { } value)
            {
                await DeliverAsync(WithBacklog(value, queue), inFlight);
            }
        }
        finally
        {
            await Task.WhenAll(inFlight);
        }
    }

    /// <summary>The next message's payload, or null once the queue is complete or the pump is stopped.</summary>
    private async ValueTask<byte[]?> NextAsync(IAsyncEnumerator<ChannelMessage> messages)
    {
        try
        {
            return await messages.MoveNextAsync() ? (byte[])messages.Current.Message! : null;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return null; // stopped without unsubscribing: nothing more is delivered
        }
    }

    /// <summary>
    /// <paramref name="first"/>, and the messages already waiting behind it, up to the channel's backlog: usually one, in an
    /// array of one; a list (copied once) only when more are waiting.
    /// </summary>
    private byte[][] WithBacklog(byte[] first, ChannelMessageQueue queue)
    {
        if (maxBacklog == 1 || !queue.TryRead(out var second))
        {
            return [first];
        }

        var taken = new List<byte[]> { first, (byte[])second.Message! };
        while (taken.Count < maxBacklog && queue.TryRead(out var next))
        {
            taken.Add((byte[])next.Message!);
        }

        return [.. taken];
    }

    private async Task DeliverAsync(byte[][] values, Queue<Task> inFlight)
    {
        Task delivery; // its writes, once issued
        try
        {
            delivery = await deliver(values);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A bad or undeliverable message must not stop this channel, nor the process.
            BackplaneLog.ReceiveFailed(logger, Name, exception);
            return;
        }

        if (!delivery.IsCompleted)
        {
            inFlight.Enqueue(ObserveAsync(delivery));
            if (inFlight.Count >= maxInFlight)
            {
                await inFlight.Dequeue();
            }
        }
        else if (delivery.IsFaulted)
        {
            await ObserveAsync(delivery);
        }
    }

    private async Task ObserveAsync(Task delivery)
    {
        try
        {
            await delivery;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            BackplaneLog.ReceiveFailed(logger, Name, exception);
        }
    }
}
