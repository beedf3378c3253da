using System.Threading.Channels;
using StackExchange.Redis;

namespace Netra.Server.Backplane;

/// <summary>
/// One Redis channel this node listens to. StackExchange.Redis calls <see cref="Handler"/> on its
/// own thread in publish order; the handler only queues the message, and one pump per channel
/// delivers the messages in that order, so a slow receiver never blocks Redis's reader and messages
/// of one channel never overtake each other. A delivery is issued to the connections (each connection
/// writes in the order issued) before the next one is; the pump goes on to the next message without
/// waiting for slow connections to take the last one, up to a number given per channel (1 for
/// channels whose deliveries change state and must run one after the other).
/// </summary>
internal sealed class ChannelSubscription : IAsyncDisposable
{
    /// <summary>Deliveries whose writes are still pending before the pump waits for the oldest (backpressure from slow connections).</summary>
    public const int MaxDeliveriesInFlight = 64;

    private readonly Channel<RedisValue> queue = System.Threading.Channels.Channel.CreateUnbounded<RedisValue>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task pump;

    public ChannelSubscription(string name, Func<byte[], ValueTask<Task>> deliver, int maxInFlight, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        Name = name;
        Channel = new RedisChannel(name, RedisChannel.PatternMode.Literal);
        Handler = (_, value) => queue.Writer.TryWrite(value);
        pump = Task.Run(() => PumpAsync(deliver, maxInFlight, logger));
    }

    public string Name { get; }

    /// <summary>Literal, never a pattern: the default conversion from string would treat '*' or '?' in a group name as a pattern.</summary>
    public RedisChannel Channel { get; }

    public Action<RedisChannel, RedisValue> Handler { get; }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await pump;
    }

    private async Task PumpAsync(Func<byte[], ValueTask<Task>> deliver, int maxInFlight, ILogger logger)
    {
        var inFlight = new Queue<Task>();
        await foreach (var value in queue.Reader.ReadAllAsync())
        {
            Task delivery; // its writes, once issued
            try
            {
                delivery = await deliver((byte[])value!);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A bad or undeliverable message must not stop this channel, nor the process.
                BackplaneLog.ReceiveFailed(logger, Name, exception);
                continue;
            }

            if (!delivery.IsCompleted)
            {
                inFlight.Enqueue(ObserveAsync(delivery, logger));
                if (inFlight.Count >= maxInFlight)
                {
                    await inFlight.Dequeue();
                }
            }
            else if (delivery.IsFaulted)
            {
                await ObserveAsync(delivery, logger);
            }
        }

        await Task.WhenAll(inFlight);
    }

    private async Task ObserveAsync(Task delivery, ILogger logger)
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
