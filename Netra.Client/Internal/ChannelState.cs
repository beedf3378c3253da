namespace Netra.Client.Internal;

/// <summary>
/// One subscribed channel: the seq delivered so far, and the events held back because they cannot be
/// delivered in order yet. Every channel with durable events (chats, feed, issues, alerts, application
/// channels) is ordered and resumed by seq; <c>presence</c> is ephemeral and re-subscribed "from now".
/// </summary>
/// <remarks>
/// Delivery is strictly in seq order, each seq once. The watermark is the last seq delivered. A live message
/// right after it is delivered at once, with any held ones that follow; one further ahead is held while the
/// gap is open (two sends stored 4 then 5 may be broadcast 5 then 4, so a gap usually closes by itself within
/// milliseconds). A gap still open after the client's gap timeout is filled by a re-subscribe from the
/// watermark (<see cref="GapStillOpen"/>): the server replays exactly what is missing. While a (re-)subscribe
/// is in flight every live message is held, and its replay goes first.
/// </remarks>
internal sealed class ChannelState(string name, bool sequenced)
{
    /// <summary>Held messages beyond this mean something is badly wrong: re-subscribe rather than grow.</summary>
    public const int MaxHeld = 10_000;

    private readonly Lock gate = new();
    private readonly SortedDictionary<long, Action> held = [];
    private long? watermark;
    private bool resuming = true;
    private long gapVersion;

    public string Name { get; } = name;

    /// <summary>True for channels whose events carry a seq the client orders and resumes by (all but presence).</summary>
    public bool Sequenced { get; } = sequenced;

    /// <summary>The seq to resume after, or null when nothing was delivered yet (subscribe "from now").</summary>
    public long? ResumeAfter
    {
        get
        {
            lock (gate)
            {
                return watermark;
            }
        }
    }

    /// <summary>A (re-)subscribe is about to be sent: hold live messages until it completes.</summary>
    public void BeginResume()
    {
        lock (gate)
        {
            resuming = true;
        }
    }

    /// <summary>
    /// A live event with <paramref name="seq"/>: delivered now (with the held ones it unblocks), held, or dropped as
    /// a duplicate. Returns the version of a gap it opened (to check later with <see cref="GapStillOpen"/>), else null.
    /// </summary>
    public long? OnLive(long seq, Action deliver)
    {
        lock (gate)
        {
            if (seq <= watermark)
            {
                return null;
            }

            if (resuming || watermark is null)
            {
                held.TryAdd(seq, deliver);
                return null;
            }

            if (seq == watermark + 1)
            {
                Deliver(seq, deliver);
                DeliverContiguous();
                return null;
            }

            var opened = held.Count == 0 || held.Keys.First() > seq;
            held.TryAdd(seq, deliver);
            return opened || held.Count > MaxHeld ? ++gapVersion : null;
        }
    }

    /// <summary>
    /// True when the gap of <paramref name="version"/> is still open: held messages wait for a seq that has not
    /// come. The caller then re-subscribes from <see cref="ResumeAfter"/>.
    /// </summary>
    public bool GapStillOpen(long version)
    {
        lock (gate)
        {
            return !resuming && held.Count > 0 && (version == gapVersion || held.Count > MaxHeld);
        }
    }

    /// <summary>
    /// The subscribe answered: delivers the replayed messages, moves the watermark to the server's head, then
    /// delivers the held messages that follow it in order. Returns a gap version when held ones still wait.
    /// </summary>
    public long? CompleteResume(IReadOnlyList<(long Seq, Action Deliver)> missed, long serverLastSeq)
    {
        lock (gate)
        {
            foreach (var (seq, deliver) in missed.OrderBy(m => m.Seq))
            {
                if (seq > (watermark ?? 0))
                {
                    Deliver(seq, deliver);
                }
            }

            // Everything up to the head was replayed (recovered) or is to be reloaded from history by the
            // application (ResumeIncomplete); either way the client resumes after it next time.
            watermark = Math.Max(watermark ?? 0, serverLastSeq);
            foreach (var seq in held.Keys.Where(seq => seq <= watermark).ToList())
            {
                held.Remove(seq);
            }

            resuming = false;
            DeliverContiguous();
            return held.Count > 0 ? ++gapVersion : null;
        }
    }

    private void DeliverContiguous()
    {
        while (held.Remove(watermark!.Value + 1, out var next))
        {
            Deliver(watermark.Value + 1, next);
        }
    }

    private void Deliver(long seq, Action deliver)
    {
        deliver();
        watermark = seq;
    }
}
