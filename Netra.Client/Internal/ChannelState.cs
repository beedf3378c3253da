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
/// watermark (<see cref="TryBeginRepair"/>): the server replays exactly what is missing. While a (re-)subscribe
/// is in flight every live message is held, and its replay goes first. Each (re-)subscribe is an attempt
/// (<see cref="BeginResume"/>); only the latest one's answer or failure counts, since it reads the watermark
/// last. A failed one ends the hold and leaves the channel stale until a later attempt succeeds. At most
/// <see cref="MaxHeld"/> messages are held: beyond that a live message is dropped, and the re-subscribe that
/// follows replays it (or reports that it cannot).
/// </remarks>
internal sealed class ChannelState(string name, bool sequenced, long? sinceSeq)
{
    /// <summary>Held messages beyond this are dropped and fetched again by a re-subscribe instead.</summary>
    public const int MaxHeld = 10_000;

    private readonly Lock gate = new();
    private readonly SortedDictionary<long, Action> held = [];
    private readonly TaskCompletionSource subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long? watermark = sinceSeq;
    private bool resuming = true; // until the first subscribe answers
    private long attempt;
    private bool stale;
    private bool overflowed;
    private long gapVersion;

    public string Name { get; } = name;

    /// <summary>True for channels whose events carry a seq the client orders and resumes by (all but presence).</summary>
    public bool Sequenced { get; } = sequenced;

    /// <summary>
    /// The first subscribe's outcome: completes when it answered, or, when the connection dropped under it, when the
    /// reconnect's resume answered; faults with the error. A second <c>SubscribeAsync</c> of the channel waits for it.
    /// </summary>
    public Task Subscribed => subscribed.Task;

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

    /// <summary>Messages held back now (at most <see cref="MaxHeld"/>).</summary>
    public int HeldCount
    {
        get
        {
            lock (gate)
            {
                return held.Count;
            }
        }
    }

    /// <summary>True once the first subscribe (or the resume that took it over) has answered or failed.</summary>
    public bool Settled => subscribed.Task.IsCompleted;

    public void FirstSubscribeSucceeded() => subscribed.TrySetResult();

    /// <summary>Fails the first subscribe; false when it had already succeeded or failed.</summary>
    public bool FirstSubscribeFailed(Exception error) => subscribed.TrySetException(error);

    /// <summary>
    /// A (re-)subscribe from <see cref="ResumeAfter"/> is about to be sent: hold live messages until it completes.
    /// Returns the attempt, for <see cref="CompleteResume"/> or <see cref="FailResume"/>.
    /// </summary>
    public long BeginResume()
    {
        lock (gate)
        {
            resuming = true;
            overflowed = false;
            return ++attempt;
        }
    }

    /// <summary>
    /// Moves the watermark back to <paramref name="sinceSeq"/> and begins a resume from there, so that what came after
    /// it is delivered again; false (nothing begun) when the channel is not behind it.
    /// </summary>
    public bool TryRewind(long sinceSeq, out long rewound, out long? previous)
    {
        lock (gate)
        {
            previous = watermark;
            rewound = 0;
            if (!Sequenced || (watermark is { } current && sinceSeq >= current))
            {
                return false;
            }

            watermark = sinceSeq;
            resuming = true;
            overflowed = false;
            rewound = ++attempt;
            return true;
        }
    }

    /// <summary>
    /// When a gap or a failed (re-)subscribe still calls for a re-subscribe (and none is in flight), begins it and
    /// returns true. <paramref name="gap"/>: the version of the gap to repair, or null for a retry after a failure.
    /// </summary>
    public bool TryBeginRepair(long? gap, out long begun)
    {
        lock (gate)
        {
            begun = 0;
            var needed = !resuming && (stale || overflowed || (gap is { } version && held.Count > 0 && version == gapVersion));
            if (!needed)
            {
                return false;
            }

            resuming = true;
            overflowed = false;
            begun = ++attempt;
            return true;
        }
    }

    /// <summary>
    /// A live event with <paramref name="seq"/>: delivered now (with the held ones it unblocks), held, or dropped as
    /// a duplicate (or, held full, to be replayed). Returns the version of a gap it opened (to repair later with
    /// <see cref="TryBeginRepair"/>), else null.
    /// </summary>
    public long? OnLive(long seq, Action deliver)
    {
        lock (gate)
        {
            if (seq <= watermark || held.ContainsKey(seq))
            {
                return null;
            }

            if (!resuming && watermark is not null && seq == watermark + 1)
            {
                Deliver(seq, deliver);
                DeliverContiguous();
                return null;
            }

            if (held.Count >= MaxHeld)
            {
                // Something is badly wrong (a resume that never answers, a gap that never closes): rather than grow,
                // drop it; it is after the watermark, so the next re-subscribe replays it.
                var first = !overflowed;
                overflowed = true;
                return first && !resuming ? ++gapVersion : null;
            }

            var opened = held.Count == 0 || held.Keys.First() > seq;
            held.Add(seq, deliver);
            return !resuming && watermark is not null && opened ? ++gapVersion : null;
        }
    }

    /// <summary>
    /// The subscribe of <paramref name="answered"/> answered: delivers the replayed messages, moves the watermark to
    /// the server's head, then delivers the held messages that follow it in order. False, with nothing done, when a
    /// later attempt began since (its answer counts). <paramref name="gap"/>: a gap version when held ones still wait.
    /// </summary>
    public bool CompleteResume(long answered, IReadOnlyList<(long Seq, Action Deliver)> missed, long serverLastSeq, out long? before, out long? gap)
    {
        lock (gate)
        {
            before = watermark;
            gap = null;
            if (answered != attempt)
            {
                return false;
            }

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
            DropHeldUpToWatermark();
            resuming = false;
            stale = false;
            DeliverContiguous();
            if (held.Count > 0 || overflowed)
            {
                gap = ++gapVersion;
            }

            return true;
        }
    }

    /// <summary>
    /// The subscribe of <paramref name="failed"/> failed: unless a later attempt began since (false), live messages are
    /// no longer held back (the ones right after the watermark are delivered), and the channel is stale until a later
    /// attempt succeeds. <paramref name="restore"/>: the watermark to go back to (a failed rewind changes nothing).
    /// </summary>
    public bool FailResume(long failed, long? restore = null)
    {
        lock (gate)
        {
            if (failed != attempt)
            {
                return false;
            }

            if (restore is not null && restore > watermark)
            {
                watermark = restore;
                DropHeldUpToWatermark();
            }

            resuming = false;
            stale = true;
            if (watermark is not null)
            {
                DeliverContiguous();
            }

            return true;
        }
    }

    private void DropHeldUpToWatermark()
    {
        foreach (var seq in held.Keys.Where(seq => seq <= watermark).ToList())
        {
            held.Remove(seq);
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
