using System.Collections.Concurrent;
using System.Diagnostics;

namespace Netra.Bench;

/// <summary>
/// Counts deliveries and their end-to-end latency, only while a measurement window is open. With
/// <paramref name="byNode"/> (a target of several nodes) it also keeps them apart by the subscriber's node, and follows
/// each message to when its first and last deliveries arrived on each side (<see cref="Messages"/>); otherwise it does
/// no more per delivery than that, since at W=1 the generator's own work per delivery can be the limit.
/// </summary>
public sealed class DeliveryMeter(ReceivedMessages received, bool byNode = false)
{
    private readonly ConcurrentDictionary<long, MessageArrivals> arrivals = new();
    private long deliveries;
    private long arrived;
    private long calls;
    private long messagesAtOpen;
    private long firstNodeMessagesAtOpen;
    private long socketMessages;
    private long senderNodeSocketMessages;
    private volatile bool open;

    /// <summary>End-to-end latency of deliveries (send time carried in the payload to receipt).</summary>
    public LatencyHistogram Latency { get; private set; } = new();

    /// <summary>
    /// End-to-end latency of the deliveries to subscribers on the sender's node (node 0) and on the
    /// other nodes, which the server reaches only through the backplane: in the same window, on the
    /// same messages, so the difference is what the backplane adds and nothing else.
    /// </summary>
    public LatencyHistogram SenderNodeLatency { get; private set; } = new();

    /// <inheritdoc cref="SenderNodeLatency"/>
    public LatencyHistogram OtherNodesLatency { get; private set; } = new();

    /// <summary>Latency of calls, from the call to its completion or ack.</summary>
    public LatencyHistogram CallLatency { get; private set; } = new();

    public long Deliveries => Interlocked.Read(ref deliveries);

    /// <summary>Deliveries of bench payloads whether a window is open or not: when it stops growing, a load's deliveries have all come in.</summary>
    public long Arrived => Interlocked.Read(ref arrived);

    public long Calls => Interlocked.Read(ref calls);

    /// <summary>WebSocket messages the generator received while the window was open (<see cref="ReceivedMessages.All"/> of the target's).</summary>
    public long SocketMessages => socketMessages;

    /// <summary>The part of <see cref="SocketMessages"/> from the sender's node (<see cref="ReceivedMessages.OnFirstNode"/>).</summary>
    public long SenderNodeSocketMessages => senderNodeSocketMessages;

    /// <summary>
    /// The messages of the last window that reached subscribers on both sides, each as when its deliveries arrived
    /// (Stopwatch ticks; a message in flight when the window opened counts from its first delivery in the window);
    /// empty unless kept by node.
    /// </summary>
    public IReadOnlyCollection<MessageArrivals> Messages => [.. arrivals.Values.Where(message => message.ReachedBothSides)];

    /// <summary>Opens a new window: what the last one counted is dropped.</summary>
    public void Open()
    {
        arrivals.Clear();
        Latency = new LatencyHistogram();
        SenderNodeLatency = new LatencyHistogram();
        OtherNodesLatency = new LatencyHistogram();
        CallLatency = new LatencyHistogram();
        Interlocked.Exchange(ref deliveries, 0);
        Interlocked.Exchange(ref calls, 0);
        (socketMessages, senderNodeSocketMessages) = (0, 0);
        Resume();
    }

    /// <summary>
    /// Opens the window again after <see cref="Close"/>, counting on from what it had: a window taken in slices, between
    /// which another target is measured (<see cref="BenchOptions.Slices"/>).
    /// </summary>
    public void Resume()
    {
        messagesAtOpen = received.All;
        firstNodeMessagesAtOpen = received.OnFirstNode;
        open = true;
    }

    public void Close()
    {
        open = false;
        socketMessages += received.All - messagesAtOpen;
        senderNodeSocketMessages += received.OnFirstNode - firstNodeMessagesAtOpen;
    }

    /// <summary>
    /// A delivery of a payload sent at <paramref name="sentAt"/> (Stopwatch ticks; -1 = not a bench payload) to a
    /// subscriber on <paramref name="node"/> (0 = the sender's).
    /// </summary>
    public void Delivered(long sentAt, int node = 0)
    {
        if (sentAt < 0)
        {
            return;
        }

        Interlocked.Increment(ref arrived);
        if (!open)
        {
            return;
        }

        Interlocked.Increment(ref deliveries);
        var now = Stopwatch.GetTimestamp();
        var ticks = now - sentAt;
        Latency.RecordTicks(ticks);
        if (byNode)
        {
            (node == 0 ? SenderNodeLatency : OtherNodesLatency).RecordTicks(ticks);
            arrivals.GetOrAdd(sentAt, static _ => new MessageArrivals()).Arrived(now, onSenderNode: node == 0);
        }
    }

    /// <summary>A completed call that started at <paramref name="startedAt"/>.</summary>
    public void Called(long startedAt)
    {
        if (!open)
        {
            return;
        }

        Interlocked.Increment(ref calls);
        CallLatency.RecordTicks(Stopwatch.GetTimestamp() - startedAt);
    }
}

/// <summary>When one message's deliveries arrived, on the sender's node and on the others (Stopwatch ticks).</summary>
public sealed class MessageArrivals
{
    private readonly Lock gate = new();

    public long SenderNodeFirst { get; private set; } = long.MaxValue;

    public long SenderNodeLast { get; private set; }

    public long OtherNodesFirst { get; private set; } = long.MaxValue;

    public long OtherNodesLast { get; private set; }

    public bool ReachedBothSides
    {
        get
        {
            lock (gate)
            {
                return SenderNodeLast > 0 && OtherNodesLast > 0;
            }
        }
    }

    /// <summary>The hop: its first delivery through Redis after its first on the sender's node (negative when before).</summary>
    public double HopMs => Stopwatch.GetElapsedTime(SenderNodeFirst, OtherNodesFirst).TotalMilliseconds;

    /// <summary>From its first delivery to its last on the sender's node: how long that node took to write it to all of its subscribers.</summary>
    public double SenderNodeSpreadMs => Stopwatch.GetElapsedTime(SenderNodeFirst, SenderNodeLast).TotalMilliseconds;

    /// <inheritdoc cref="SenderNodeSpreadMs"/>
    public double OtherNodesSpreadMs => Stopwatch.GetElapsedTime(OtherNodesFirst, OtherNodesLast).TotalMilliseconds;

    public void Arrived(long at, bool onSenderNode)
    {
        lock (gate)
        {
            if (onSenderNode)
            {
                (SenderNodeFirst, SenderNodeLast) = (Math.Min(SenderNodeFirst, at), Math.Max(SenderNodeLast, at));
            }
            else
            {
                (OtherNodesFirst, OtherNodesLast) = (Math.Min(OtherNodesFirst, at), Math.Max(OtherNodesLast, at));
            }
        }
    }
}
