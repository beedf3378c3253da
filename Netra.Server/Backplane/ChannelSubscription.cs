using System.Threading.Channels;
using StackExchange.Redis;

namespace Netra.Server.Backplane;

/// <summary>
/// One Redis channel this node listens to. StackExchange.Redis calls <see cref="Handler"/> on its
/// own thread in publish order; the handler only queues the message, and one pump per channel
/// delivers the messages in that order, awaiting each, so a slow receiver never blocks Redis's
/// reader and messages of one channel never overtake each other.
/// </summary>
internal sealed class ChannelSubscription : IAsyncDisposable
{
    private readonly Channel<RedisValue> queue = System.Threading.Channels.Channel.CreateUnbounded<RedisValue>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task pump;

    public ChannelSubscription(string name, Func<byte[], Task> deliver, ILogger logger)
    {
        Name = name;
        Channel = new RedisChannel(name, RedisChannel.PatternMode.Literal);
        Handler = (_, value) => queue.Writer.TryWrite(value);
        pump = Task.Run(() => PumpAsync(deliver, logger));
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

    private async Task PumpAsync(Func<byte[], Task> deliver, ILogger logger)
    {
        await foreach (var value in queue.Reader.ReadAllAsync())
        {
            try
            {
                await deliver((byte[])value!);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A bad or undeliverable message must not stop this channel, nor the process.
                BackplaneLog.ReceiveFailed(logger, Name, exception);
            }
        }
    }
}
