using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Backplane;

/// <summary>
/// Kept in a local connection's features, and as its entry in the node's member stores (<see cref="LocalMembers"/>):
/// the groups it joined on this node (left when it disconnects), and, per subscribed channel, the cursor that makes its
/// durable events go out once each and in seq order.
/// </summary>
/// <remarks>
/// <para>
/// Exactly once: a subscribe joins the group before it reads what the client missed, so that nothing
/// published meanwhile falls between the two. While it reads (<see cref="BeginCatchUp"/>), live events of
/// that channel that carry a seq are held back and only their highest seq is remembered; the read then
/// extends up to that seq (<see cref="EndCatchUp"/>), and from then on a live event at or below the last
/// seq sent is dropped.
/// </para>
/// <para>
/// In order: two nodes may store seqs 5 and 6 and broadcast 6 first. A live event that skips a seq waits up
/// to the ordering window for the missing one; when it comes, both go out in order. When it does not (a slow
/// or lost broadcast, e.g. while Redis was down), the waiting events go out anyway; a skipped seq that turns
/// up later is still sent (late, but not lost), and one that never does is for the client to fill by
/// resuming from its last seq.
/// </para>
/// </remarks>
internal sealed class ConnectionGroupsFeature(HubConnectionContext connection, TimeProvider time, TimeSpan orderingWindow)
{
    /// <summary>Skipped seqs remembered per channel, so that a late one is still sent; beyond this the oldest are forgotten.</summary>
    public const int MaxSkipped = 1000;

    private readonly HashSet<string> groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Cursor> cursors = new(StringComparer.Ordinal);

    /// <summary>The connection this is kept for.</summary>
    public HubConnectionContext Connection => connection;

    public bool TryAddGroup(string groupName)
    {
        lock (groups)
        {
            return groups.Add(groupName);
        }
    }

    /// <summary>Whether the connection is in <paramref name="groupName"/>.</summary>
    public bool Follows(string groupName)
    {
        lock (groups)
        {
            return groups.Contains(groupName);
        }
    }

    /// <summary>True when the connection is in <paramref name="max"/> groups or more and not in <paramref name="groupName"/>.</summary>
    public bool IsFullFor(string groupName, int max)
    {
        lock (groups)
        {
            return groups.Count >= max && !groups.Contains(groupName);
        }
    }

    public bool TryRemoveGroup(string groupName)
    {
        lock (groups)
        {
            Forget(groupName);
            return groups.Remove(groupName);
        }
    }

    public string[] TakeGroups()
    {
        lock (groups)
        {
            var all = groups.ToArray();
            groups.Clear();
            foreach (var cursor in cursors.Values)
            {
                cursor.Timer?.Dispose();
            }

            cursors.Clear();
            return all;
        }
    }

    /// <summary>Starts holding back the channel's live sequenced events until <see cref="EndCatchUp"/>.</summary>
    public void BeginCatchUp(string channel)
    {
        lock (groups)
        {
            Forget(channel);
            cursors[channel] = new Cursor { CatchingUp = true };
        }
    }

    /// <summary>
    /// Ends the catch-up that read up to <paramref name="replayedHead"/>; returns the seq the replay must
    /// reach (higher when live events were held back meanwhile). Later live events at or below it are dropped.
    /// </summary>
    public long EndCatchUp(string channel, long replayedHead)
    {
        lock (groups)
        {
            if (!cursors.TryGetValue(channel, out var cursor))
            {
                return replayedHead;
            }

            cursor.CatchingUp = false;
            cursor.Contiguous = Math.Max(replayedHead, cursor.HighestHeld);
            return cursor.Contiguous;
        }
    }

    /// <summary>Forgets a catch-up that failed: the channel's events flow again unfiltered.</summary>
    public void CancelCatchUp(string channel)
    {
        lock (groups)
        {
            Forget(channel);
        }
    }

    /// <summary>
    /// Sends a live event of <paramref name="channel"/> (<paramref name="seq"/> 0: not durable) to this connection:
    /// now, after the seqs before it, or not at all when it was sent already or replayed.
    /// </summary>
    public Task SendAsync(string channel, long seq, SerializedHubMessage message)
    {
        if (seq <= 0)
        {
            return connection.WriteAsync(message).AsTask();
        }

        lock (groups)
        {
            if (!cursors.TryGetValue(channel, out var cursor))
            {
                return connection.WriteAsync(message).AsTask();
            }

            if (cursor.CatchingUp)
            {
                cursor.HighestHeld = Math.Max(cursor.HighestHeld, seq);
                return Task.CompletedTask;
            }

            if (seq <= cursor.Contiguous)
            {
                // Sent or replayed already, unless the ordering window gave up waiting for it: then it goes out late.
                return cursor.Skipped?.Remove(seq) == true ? connection.WriteAsync(message).AsTask() : Task.CompletedTask;
            }

            if (seq > cursor.Contiguous + 1)
            {
                // Writes are issued under the lock, in order; the connection's own write lock keeps that order.
                (cursor.Waiting ??= []).TryAdd(seq, message);
                cursor.Timer ??= StartOrderingWindow(channel);
                return Task.CompletedTask;
            }

            var write = Send(cursor, seq, message);
            if (cursor.Waiting is not { Count: > 0 } waiting)
            {
                return write; // the usual case: in order, nothing held back
            }

            var writes = new List<Task> { write };
            while (waiting.Remove(cursor.Contiguous + 1, out var next))
            {
                writes.Add(Send(cursor, cursor.Contiguous + 1, next));
            }

            if (waiting.Count == 0)
            {
                cursor.Timer?.Dispose();
                cursor.Timer = null;
            }

            return Task.WhenAll(writes);
        }
    }

    /// <summary>
    /// Sends a live invocation of <paramref name="channel"/>. A run of events (<see cref="SerializedInvocation.Parts"/>)
    /// that follows on from what this connection has goes out whole, in one write; otherwise each of its events
    /// passes the cursor on its own.
    /// </summary>
    public Task SendAsync(string channel, SerializedInvocation invocation)
    {
        if (invocation.Parts is not { } parts)
        {
            return SendAsync(channel, invocation.Seq, invocation.Message);
        }

        lock (groups)
        {
            if (!cursors.TryGetValue(channel, out var cursor))
            {
                return connection.WriteAsync(invocation.Message).AsTask();
            }

            if (!cursor.CatchingUp && cursor.Waiting is not { Count: > 0 } && cursor.Contiguous == invocation.Seq - 1)
            {
                return Send(cursor, invocation.LastSeq, invocation.Message);
            }

            List<Task>? pending = null;
            for (var i = 0; i < parts.Count; i++)
            {
                var write = SendAsync(channel, invocation.Seq + i, parts[i]);
                if (!write.IsCompletedSuccessfully)
                {
                    (pending ??= []).Add(write);
                }
            }

            return pending is null ? Task.CompletedTask : Task.WhenAll(pending);
        }
    }

    /// <summary>The ordering window ran out with a seq still missing: send what waits, in order.</summary>
    private void FlushWaiting(string channel)
    {
        lock (groups)
        {
            if (!cursors.TryGetValue(channel, out var cursor) || cursor.Waiting is not { } waiting)
            {
                return;
            }

            var skipped = cursor.Skipped ??= [];
            foreach (var (seq, message) in waiting)
            {
                for (var missing = Math.Max(cursor.Contiguous + 1, seq - MaxSkipped); missing < seq; missing++)
                {
                    skipped.Add(missing);
                }

                // Not awaited: a failed write means the connection is closing, which the hub handles.
                _ = Send(cursor, seq, message);
            }

            while (skipped.Count > MaxSkipped)
            {
                skipped.Remove(skipped.Min);
            }

            waiting.Clear();
            cursor.Timer?.Dispose();
            cursor.Timer = null;
        }
    }

    /// <summary>
    /// The timer that gives up waiting for a missing seq. Its own method because the callback captures
    /// <paramref name="channel"/>: the compiler allocates a lambda's captured variables when their scope is entered,
    /// so in <see cref="SendAsync(string, long, SerializedHubMessage)"/> it would cost every delivery an object (a fan-out
    /// to 1,000 members, 1,000 of them), where only an event out of order needs one.
    /// </summary>
    private ITimer StartOrderingWindow(string channel) =>
        time.CreateTimer(_ => FlushWaiting(channel), null, orderingWindow, Timeout.InfiniteTimeSpan);

    private Task Send(Cursor cursor, long seq, SerializedHubMessage message)
    {
        cursor.Contiguous = seq;
        return connection.WriteAsync(message).AsTask();
    }

    private void Forget(string channel)
    {
        if (cursors.Remove(channel, out var cursor))
        {
            cursor.Timer?.Dispose();
        }
    }

    private sealed class Cursor
    {
        public bool CatchingUp { get; set; }

        public long HighestHeld { get; set; }

        /// <summary>Every seq up to this was sent (live or in the replay) or given up on (<see cref="Skipped"/>).</summary>
        public long Contiguous { get; set; }

        // Both are made on first use: most cursors never see a seq out of order, and a connection has one cursor per
        // channel it follows (the two empty collections were three quarters of a cursor's bytes).

        /// <summary>Later seqs, waiting for the ones before them.</summary>
        public SortedDictionary<long, SerializedHubMessage>? Waiting { get; set; }

        /// <summary>Seqs below <see cref="Contiguous"/> the ordering window gave up on: still sent if they arrive.</summary>
        public SortedSet<long>? Skipped { get; set; }

        public ITimer? Timer { get; set; }
    }
}
