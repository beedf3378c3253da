using System.Threading.Channels;

namespace Netra.Server.Storage;

/// <summary>
/// Group commit: callers queue items, and one loop hands over whatever queued up while its last batch was
/// being written (up to a most per batch). Under light load a batch is one item and costs what a single write
/// does; under load the round trips and commits, not the items, are what the database waits for.
/// </summary>
internal sealed class GroupCommitQueue<T>
{
    private readonly Channel<T> channel = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Queues an item; false once <see cref="Complete"/> was called.</summary>
    public bool TryAdd(T item) => channel.Writer.TryWrite(item);

    /// <summary>No new items; what is queued is still handed to the loop.</summary>
    public void Complete() => channel.Writer.TryComplete();

    /// <summary>
    /// Hands the queued items to <paramref name="write"/> in batches of at most <paramref name="maxBatch"/>, in the
    /// order queued, one batch at a time, until the queue is completed and drained. A batch whose write throws goes
    /// to <paramref name="fault"/> (to answer its callers and log), and the loop goes on with the next batch; only
    /// cancellation ends it early.
    /// </summary>
    public async Task RunAsync(int maxBatch, Func<List<T>, Task> write, Action<List<T>, Exception> fault)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        var reader = channel.Reader;
        var batch = new List<T>(maxBatch);
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < maxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                await write(batch);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                fault(batch, exception);
            }

            batch.Clear();
        }
    }
}
