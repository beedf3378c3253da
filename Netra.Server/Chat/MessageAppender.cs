using Microsoft.Extensions.Options;
using Npgsql;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Server.Backplane;
using Netra.Server.Metrics;
using Netra.Server.Realtime;
using Netra.Server.Storage;

namespace Netra.Server.Chat;

/// <summary>
/// Stores chat messages with group commit, then broadcasts them in seq order. Sends queue up per
/// partition of chats (a chat always falls in the same partition, so its messages are stored in the
/// order they were queued); each partition is a <see cref="GroupCommitQueue{T}"/> whose batches are
/// written in one round trip and one commit (<see cref="ChatStore.AppendAsync"/>).
/// </summary>
/// <remarks>
/// A sender is answered once its message is stored, before its broadcast is issued: a sender's next message is
/// on its way while this one goes out to the chat's members, and its store overlaps that. The partition's loop
/// still issues each batch's runs before it takes the next batch, so the writes pending at any time are bounded as
/// before, and each connection gets a chat's messages in seq order. Writes that wait on a connection that reads
/// slowly go on after the loop moves on, so one slow member does not hold up every sender of a chat. Once
/// <see cref="MaxBroadcastsInFlight"/> broadcasts of a partition wait like that (checked per batch, so one batch
/// that finds fewer may add all of its runs), senders are answered only once their own broadcast is out, so that
/// slow connections push back on the senders instead of piling up writes.
/// </remarks>
internal sealed partial class MessageAppender : BackgroundService
{
    /// <summary>Most messages of one chat sent as one run (one WebSocket message per member).</summary>
    public const int MaxRun = 64;

    /// <summary>Broadcasts of one partition that may still wait on slow connections after their senders were answered.</summary>
    public const int MaxBroadcastsInFlight = 64;

    private readonly Partition[] partitions;
    private readonly ChatStore store;
    private readonly IGroupRunSender sender;
    private readonly NetraMetrics metrics;
    private readonly ILogger<MessageAppender> logger;
    private readonly int maxBatch;

    public MessageAppender(
        ChatStore store, IGroupRunSender sender, NetraMetrics metrics, IOptions<ChatOptions> options, ILogger<MessageAppender> logger)
    {
        this.store = store;
        this.sender = sender;
        this.metrics = metrics;
        this.logger = logger;
        maxBatch = options.Value.WriteBatchSize;
        partitions = new Partition[options.Value.WritePartitions];
        for (var i = 0; i < partitions.Length; i++)
        {
            partitions[i] = new Partition(i, metrics);
        }
    }

    /// <summary>
    /// Queues a message; the task completes once it is stored (see the remarks), with the stored message, or
    /// with null when it was not stored (the sender is not a member of the chat, or the clientMessageId
    /// was used before: the caller finds out which). Messages of one chat are stored in the order queued.
    /// </summary>
    public Task<ChatMessage?> AppendAsync(NewMessage message)
    {
        var pending = new PendingMessage(message);
        if (!partitions[(int)(message.ChatId % partitions.Length)].Queue.TryAdd(pending))
        {
            throw new OperationCanceledException("The server is shutting down; send the message again (same clientMessageId) after reconnecting.");
        }

        return pending.Task;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(partitions.Select(partition => Task.Run(
            () => partition.Queue.RunAsync(maxBatch, batch => WriteAsync(partition, batch, stoppingToken), Fault), CancellationToken.None)));

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        // No new sends; what is queued is still written (base.StopAsync cancels the writes when the host's shutdown timeout ends).
        foreach (var partition in partitions)
        {
            partition.Queue.Complete();
        }

        return base.StopAsync(cancellationToken);
    }

    private void Fault(List<PendingMessage> batch, Exception exception)
    {
        // A fault here is a bug, not a database error (WriteAsync answers those itself): the batch's senders
        // get it, and the partition goes on with the next batch instead of dying with this one.
        MessageAppenderLog.BatchFaulted(logger, batch.Count, exception);
        foreach (var pending in batch)
        {
            pending.TrySetException(exception);
        }
    }

    private async Task WriteAsync(Partition partition, List<PendingMessage> batch, CancellationToken stoppingToken)
    {
        // A retry queued beside its original (same sender and clientMessageId) is not written twice: once
        // the batch is committed it resolves as not stored, and its caller finds the original.
        var written = new List<PendingMessage>(batch.Count);
        List<PendingMessage>? retries = null;
        var keys = new HashSet<(long, string)>(batch.Count);
        foreach (var pending in batch)
        {
            if (keys.Add((pending.Message.SenderId, pending.Message.ClientMessageId)))
            {
                written.Add(pending);
            }
            else
            {
                (retries ??= []).Add(pending);
            }
        }

        IReadOnlyList<(int Index, ChatMessage Message)> stored;
        try
        {
            stored = await StoreAsync(written.ConvertAll(p => p.Message), stoppingToken);
        }
        catch (Exception exception)
        {
            // The batch is one transaction: nothing of it was stored, and every sender gets the error.
            MessageAppenderLog.BatchFailed(logger, batch.Count, exception);
            foreach (var pending in batch)
            {
                pending.TrySetException(exception);
            }

            return;
        }

        foreach (var retry in retries ?? [])
        {
            retry.TrySetResult(null);
        }

        var senders = new PendingMessage[stored.Count];
        var messages = new ChatMessage[stored.Count];
        for (var i = 0; i < stored.Count; i++)
        {
            var (index, message) = stored[i];
            var pending = written[index];
            pending.Stored = message;
            senders[i] = pending;
            messages[i] = message;
            ChatLog.MessageStored(logger, message.ChatId, message.Seq, message.Id, message.SenderId);
            metrics.MessageStored();
        }

        foreach (var notStored in written)
        {
            if (notStored.Stored is null)
            {
                notStored.TrySetResult(null);
            }
        }

        // Senders are answered now, before their runs are issued (so a sender's own connection usually gets the answer
        // before the NewMessage), or, while the partition has too many broadcasts waiting on slow connections, once
        // their own run is out.
        var answerOnceStored = partition.HasRoomForBroadcasts(logger);
        if (answerOnceStored)
        {
            Complete(senders);
        }

        // Each chat's messages (consecutive seqs) go out as one run: one write per member connection instead of one per
        // message. Runs start in seq order, so each connection's writes go out in seq order.
        for (var start = 0; start < messages.Length;)
        {
            var end = start + 1;
            while (end < messages.Length && end - start < MaxRun && messages[end].ChatId == messages[start].ChatId && messages[end].Seq == messages[end - 1].Seq + 1)
            {
                end++;
            }

            var broadcast = await IssueBroadcastAsync(new ArraySegment<ChatMessage>(messages, start, end - start));
            var unanswered = answerOnceStored ? ArraySegment<PendingMessage>.Empty : new ArraySegment<PendingMessage>(senders, start, end - start);
            if (broadcast.IsCompleted)
            {
                Complete(unanswered);
            }
            else
            {
                partition.Wait(broadcast, unanswered);
            }

            start = end;
        }
    }

    private static void Complete(ArraySegment<PendingMessage> run)
    {
        foreach (var pending in run)
        {
            pending.Complete();
        }
    }

    /// <summary>
    /// The messages in one commit. When another writer stored one of their clientMessageIds meanwhile (the
    /// whole batch then fails), each on its own: that one resolves as not stored, and its caller finds the other.
    /// Each stored message comes with its place in <paramref name="messages"/>.
    /// </summary>
    private async Task<IReadOnlyList<(int Index, ChatMessage Message)>> StoreAsync(List<NewMessage> messages, CancellationToken cancellationToken)
    {
        try
        {
            return await store.AppendAsync(messages, cancellationToken);
        }
        catch (PostgresException exception) when (ChatStore.IsDuplicate(exception))
        {
            if (messages.Count == 1)
            {
                return [];
            }

            MessageAppenderLog.BatchSplit(logger, messages.Count);
        }

        var stored = new List<(int, ChatMessage)>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            foreach (var (_, message) in await StoreAsync([messages[i]], cancellationToken))
            {
                stored.Add((i, message));
            }
        }

        return stored;
    }

    /// <summary>Issues a run to the chat's members (the next run of the partition goes out after it); returns its writes.</summary>
    private async ValueTask<Task> IssueBroadcastAsync(ArraySegment<ChatMessage> run)
    {
        Task writes;
        try
        {
            writes = await sender.SendGroupRunAsync(Channels.Chat(run[0].ChatId), nameof(INetraClient.NewMessage), run);
        }
        catch (Exception exception)
        {
            writes = Task.FromException(exception); // logged once, with the writes' own failures
        }

        return ObserveBroadcastAsync(run, writes);
    }

    private async Task ObserveBroadcastAsync(ArraySegment<ChatMessage> run, Task writes)
    {
        try
        {
            await writes;
            metrics.MessageBroadcast(run.Count);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The messages are stored and returned to their senders; members that missed the push get them on resume.
            ChatLog.BroadcastFailed(logger, run[0].ChatId, run[0].Seq, run[^1].Seq, exception);
        }
    }

    /// <summary>One partition's queue, and its broadcasts that still wait on slow connections.</summary>
    private sealed class Partition(int index, NetraMetrics metrics)
    {
        private int broadcastsInFlight;
        private bool backedUp; // only the partition's loop reads and writes it

        public GroupCommitQueue<PendingMessage> Queue { get; } = new();

        /// <summary>False while <see cref="MaxBroadcastsInFlight"/> broadcasts wait; logs when that starts and ends.</summary>
        public bool HasRoomForBroadcasts(ILogger logger)
        {
            var inFlight = Volatile.Read(ref broadcastsInFlight);
            var full = inFlight >= MaxBroadcastsInFlight;
            if (full != backedUp)
            {
                backedUp = full;
                if (full)
                {
                    MessageAppenderLog.BroadcastsBackedUp(logger, index, inFlight);
                }
                else
                {
                    MessageAppenderLog.BroadcastsCaughtUp(logger, index, inFlight);
                }
            }

            return !full;
        }

        /// <summary>Counts <paramref name="broadcast"/> as waiting until it is out, then answers <paramref name="unanswered"/> (empty when answered already).</summary>
        public void Wait(Task broadcast, ArraySegment<PendingMessage> unanswered)
        {
            Interlocked.Increment(ref broadcastsInFlight);
            metrics.BroadcastStartedWaiting();
            _ = EndAsync(broadcast, unanswered);
        }

        private async Task EndAsync(Task broadcast, ArraySegment<PendingMessage> unanswered)
        {
            await broadcast.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // BroadcastAsync logs its own failures
            Interlocked.Decrement(ref broadcastsInFlight);
            metrics.BroadcastStoppedWaiting();
            Complete(unanswered);
        }
    }

    private sealed class PendingMessage(NewMessage message) : TaskCompletionSource<ChatMessage?>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public NewMessage Message { get; } = message;

        public ChatMessage? Stored { get; set; }

        public void Complete() => TrySetResult(Stored);
    }
}

internal static partial class MessageAppenderLog
{
    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Storing a batch of {Count} chat messages failed; nothing of it was stored and every sender gets the error")]
    public static partial void BatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "A batch of {Count} chat messages met a clientMessageId stored meanwhile by another writer; storing them one by one")]
    public static partial void BatchSplit(ILogger logger, int count);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Error, Message = "Handling a batch of {Count} chat messages faulted; its senders that were not answered yet get the error, and the next batch goes on")]
    public static partial void BatchFaulted(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Chat write partition {Partition} has {Count} broadcasts waiting on connections that read slowly; its senders are now answered only once their broadcast is out")]
    public static partial void BroadcastsBackedUp(ILogger logger, int partition, int count);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Information, Message = "Chat write partition {Partition} is down to {Count} broadcasts waiting on slow connections; its senders are answered once their message is stored again")]
    public static partial void BroadcastsCaughtUp(ILogger logger, int partition, int count);
}
