using Netra.Server.Auth;
using Netra.Server.Storage;

namespace Netra.Server.Presence;

/// <summary>
/// Writes when users were last seen with group commit (<see cref="GroupCommitQueue{T}"/>): the connects and
/// disconnects that arrive while one UPDATE is in flight go into the next, one round trip and one commit for all
/// of them, instead of a commit per connection opened or closed.
/// </summary>
internal sealed class LastSeenWriter(UserStore users, ILogger<LastSeenWriter> logger) : BackgroundService
{
    /// <summary>Most users in one UPDATE.</summary>
    public const int MaxBatch = 256;

    private readonly GroupCommitQueue<PendingLastSeen> queue = new();

    /// <summary>
    /// Records that the user was seen at <paramref name="at"/>; completes once written, with what presence shows of
    /// them (null: no such user). When the same user is written twice in one batch, the later time wins for both.
    /// </summary>
    public Task<PresenceInfo?> SetAsync(long userId, DateTimeOffset at)
    {
        var pending = new PendingLastSeen(userId, at);
        if (queue.TryAdd(pending))
        {
            return pending.Task;
        }

        // Shutting down: the connections closing now are still recorded, each on its own.
        return WriteAloneAsync(pending);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        queue.RunAsync(MaxBatch, batch => WriteAsync(batch, stoppingToken), Fault);

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Complete();
        return base.StopAsync(cancellationToken);
    }

    private async Task<PresenceInfo?> WriteAloneAsync(PendingLastSeen pending)
    {
        await WriteAsync([pending], CancellationToken.None);
        return await pending.Task;
    }

    private async Task WriteAsync(List<PendingLastSeen> batch, CancellationToken cancellationToken)
    {
        var latest = new Dictionary<long, DateTimeOffset>(batch.Count);
        foreach (var pending in batch)
        {
            if (!latest.TryGetValue(pending.UserId, out var at) || pending.At > at)
            {
                latest[pending.UserId] = pending.At;
            }
        }

        IReadOnlyList<PresenceInfo> written;
        try
        {
            written = await users.SetLastSeenAsync(latest, cancellationToken);
        }
        catch (Exception exception)
        {
            // Nothing of the batch was written; each caller gets the error (presence logs it per user and goes on).
            foreach (var pending in batch)
            {
                pending.TrySetException(exception);
            }

            return;
        }

        var byId = written.ToDictionary(user => user.Id);
        foreach (var pending in batch)
        {
            pending.TrySetResult(byId.GetValueOrDefault(pending.UserId));
        }
    }

    private void Fault(List<PendingLastSeen> batch, Exception exception)
    {
        PresenceLog.LastSeenBatchFaulted(logger, batch.Count, exception);
        foreach (var pending in batch)
        {
            pending.TrySetException(exception);
        }
    }

    private sealed class PendingLastSeen(long userId, DateTimeOffset at) : TaskCompletionSource<PresenceInfo?>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public long UserId { get; } = userId;

        public DateTimeOffset At { get; } = at;
    }
}
