using Netra.Contracts.Chat;

namespace Netra.Client.Internal;

/// <summary>
/// One subscribed channel: the seq delivered so far, and the messages held back because they cannot be
/// delivered in order yet. Only chat channels carry seqs this client orders by; other channels are
/// re-subscribed "from now" and pass their events straight through.
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
    private readonly SortedDictionary<long, ChatMessage> held = [];
    private long? watermark;
    private bool resuming = true;
    private long gapVersion;

    public string Name { get; } = name;

    /// <summary>True for channels whose events carry a seq the client orders and resumes by (chat).</summary>
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
    /// A live message: delivered now (with the held ones it unblocks), held, or dropped as a duplicate.
    /// Returns the version of a gap this message opened (to check later with <see cref="GapStillOpen"/>), else null.
    /// </summary>
    public long? OnLive(ChatMessage message, Action<ChatMessage> deliver)
    {
        lock (gate)
        {
            if (message.Seq <= watermark)
            {
                return null;
            }

            if (resuming || watermark is null)
            {
                held.TryAdd(message.Seq, message);
                return null;
            }

            if (message.Seq == watermark + 1)
            {
                Deliver(message, deliver);
                DeliverContiguous(deliver);
                return null;
            }

            var opened = held.Count == 0 || held.Keys.First() > message.Seq;
            held.TryAdd(message.Seq, message);
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
    public long? CompleteResume(IReadOnlyList<ChatMessage> missed, long serverLastSeq, Action<ChatMessage> deliver)
    {
        lock (gate)
        {
            foreach (var message in missed.OrderBy(m => m.Seq))
            {
                if (message.Seq > (watermark ?? 0))
                {
                    Deliver(message, deliver);
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
            DeliverContiguous(deliver);
            return held.Count > 0 ? ++gapVersion : null;
        }
    }

    private void DeliverContiguous(Action<ChatMessage> deliver)
    {
        while (held.Remove(watermark!.Value + 1, out var next))
        {
            Deliver(next, deliver);
        }
    }

    private void Deliver(ChatMessage message, Action<ChatMessage> deliver)
    {
        deliver(message);
        watermark = message.Seq;
    }
}
