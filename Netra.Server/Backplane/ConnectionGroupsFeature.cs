namespace Netra.Server.Backplane;

/// <summary>
/// Kept in a local connection's features: the groups it joined on this node (left when it disconnects),
/// and, per channel, the cursor that keeps a resuming subscriber from receiving a durable event twice.
/// </summary>
/// <remarks>
/// A subscribe joins the group before it reads what the client missed, so that nothing published
/// meanwhile falls between the two. While it reads (<see cref="BeginCatchUp"/>), live events of that
/// channel that carry a seq are held back and only their highest seq is remembered; the read then
/// extends up to that seq (<see cref="EndCatchUp"/>), and from then on a live event at or below the
/// replayed head is dropped. So each seq reaches the connection once: in the replay or live.
/// </remarks>
internal sealed class ConnectionGroupsFeature
{
    private readonly HashSet<string> groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Cursor> cursors = new(StringComparer.Ordinal);

    public bool TryAddGroup(string groupName)
    {
        lock (groups)
        {
            return groups.Add(groupName);
        }
    }

    public bool TryRemoveGroup(string groupName)
    {
        lock (groups)
        {
            cursors.Remove(groupName);
            return groups.Remove(groupName);
        }
    }

    public string[] TakeGroups()
    {
        lock (groups)
        {
            var all = groups.ToArray();
            groups.Clear();
            cursors.Clear();
            return all;
        }
    }

    /// <summary>Starts holding back the channel's live sequenced events until <see cref="EndCatchUp"/>.</summary>
    public void BeginCatchUp(string channel)
    {
        lock (groups)
        {
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
            cursor.Floor = Math.Max(replayedHead, cursor.HighestHeld);
            return cursor.Floor;
        }
    }

    /// <summary>Forgets a catch-up that failed: the channel's events flow again unfiltered.</summary>
    public void CancelCatchUp(string channel)
    {
        lock (groups)
        {
            cursors.Remove(channel);
        }
    }

    /// <summary>Whether a live event of <paramref name="channel"/> with <paramref name="seq"/> (0: none) goes out now.</summary>
    public bool Admit(string channel, long seq)
    {
        if (seq <= 0)
        {
            return true;
        }

        lock (groups)
        {
            if (!cursors.TryGetValue(channel, out var cursor))
            {
                return true;
            }

            if (cursor.CatchingUp)
            {
                cursor.HighestHeld = Math.Max(cursor.HighestHeld, seq);
                return false;
            }

            return seq > cursor.Floor;
        }
    }

    private sealed class Cursor
    {
        public bool CatchingUp { get; set; }

        public long HighestHeld { get; set; }

        public long Floor { get; set; }
    }
}
