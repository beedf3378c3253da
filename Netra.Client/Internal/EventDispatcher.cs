using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Netra.Client.Internal;

/// <summary>
/// Runs the application's event handlers one at a time, in the order they were posted, on a loop of
/// its own: off SignalR's receive loop (a slow handler does not hold up pings or results, and a handler
/// may start a call to the server) and in one order for live, replayed and state events.
/// </summary>
internal sealed class EventDispatcher
{
    private readonly Channel<Action> queue = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger logger;
    private readonly Task loop;

    public EventDispatcher(ILogger logger)
    {
        this.logger = logger;
        loop = Task.Run(RunAsync);
    }

    public void Post(Action handler) => queue.Writer.TryWrite(handler);

    /// <summary>Handlers already posted still run; nothing new is accepted.</summary>
    public void Complete() => queue.Writer.TryComplete();

    /// <summary>Completes when every posted handler ran (after <see cref="Complete"/>).</summary>
    public Task Completion => loop;

    private async Task RunAsync()
    {
        await foreach (var handler in queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                handler();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // An application handler failed: its bug, not the connection's. Log and deliver the rest.
                NetraClientLog.HandlerFailed(logger, ex);
            }
        }
    }
}
