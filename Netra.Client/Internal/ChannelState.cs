using Netra.Contracts.Chat;

namespace Netra.Client.Internal;

/// <summary>
/// One subscribed channel: what has been delivered, and the live messages held back while a
/// (re-)subscribe is in flight. Only chat channels carry seqs today; other channels are re-subscribed
/// "from now" and pass their events straight through.
/// </summary>
/// <remarks>
/// The resume cursor is a watermark: every seq up to it has been delivered. Live messages can come out
/// of seq order (two sends stored 4 then 5 may be broadcast 5 then 4), so seqs delivered above the
/// watermark are remembered until the gap below them closes; nothing is delivered twice and, on resume,
/// the server's replay fills any gap.
/// </remarks>
internal sealed class ChannelState(string name, bool sequenced)
{
    // A gap that never closes (a broadcast this client never got) must not grow the set forever.
    private const int MaxDeliveredAboveWatermark = 1000;

    private readonly Lock gate = new();
    private readonly SortedDictionary<long, ChatMessage> held = [];
    private readonly SortedSet<long> deliveredAbove = [];
    private long? watermark;
    private bool resuming = true;

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

    /// <summary>A live message: delivered now, held until the resume completes, or dropped as a duplicate.</summary>
    public void OnLive(ChatMessage message, Action<ChatMessage> deliver)
    {
        lock (gate)
        {
            if (IsDelivered(message.Seq))
            {
                return;
            }

            if (resuming)
            {
                held.TryAdd(message.Seq, message);
                return;
            }

            Deliver(message, deliver);
        }
    }

    /// <summary>
    /// The subscribe answered: delivers the replayed messages, then the live ones held meanwhile, in seq
    /// order and each once, and moves the watermark to the server's head.
    /// </summary>
    public void CompleteResume(IReadOnlyList<ChatMessage> missed, long serverLastSeq, Action<ChatMessage> deliver)
    {
        lock (gate)
        {
            foreach (var message in missed.OrderBy(m => m.Seq))
            {
                if (!IsDelivered(message.Seq))
                {
                    Deliver(message, deliver);
                }
            }

            foreach (var message in held.Values)
            {
                if (!IsDelivered(message.Seq))
                {
                    Deliver(message, deliver);
                }
            }

            held.Clear();

            // Everything up to the head was replayed (recovered) or is to be reloaded from history by the
            // application (ResumeIncomplete); either way the client resumes after it next time.
            AdvanceWatermark(Math.Max(watermark ?? 0, serverLastSeq));
            resuming = false;
        }
    }

    private bool IsDelivered(long seq) => seq <= watermark || deliveredAbove.Contains(seq);

    private void Deliver(ChatMessage message, Action<ChatMessage> deliver)
    {
        deliver(message);
        deliveredAbove.Add(message.Seq);
        if (watermark is { } current)
        {
            AdvanceWatermark(current);
        }
    }

    private void AdvanceWatermark(long to)
    {
        if (deliveredAbove.Count > MaxDeliveredAboveWatermark)
        {
            to = Math.Max(to, deliveredAbove.Min - 1);
        }

        while (deliveredAbove.Contains(to + 1))
        {
            to++;
        }

        deliveredAbove.RemoveWhere(seq => seq <= to);
        watermark = to;
    }
}
