using System.Diagnostics;

namespace Netra.Bench;

/// <summary>Counts deliveries and their end-to-end latency, only while a measurement window is open.</summary>
public sealed class DeliveryMeter
{
    private long deliveries;
    private long calls;
    private long messagesAtOpen;
    private long messagesAtClose;
    private volatile bool open;

    /// <summary>End-to-end latency of deliveries (send time carried in the payload to receipt).</summary>
    public LatencyHistogram Latency { get; private set; } = new();

    /// <summary>Latency of calls, from the call to its completion or ack.</summary>
    public LatencyHistogram CallLatency { get; private set; } = new();

    public long Deliveries => Interlocked.Read(ref deliveries);

    public long Calls => Interlocked.Read(ref calls);

    /// <summary>WebSocket messages the generator received while the window was open (<see cref="BenchConnection.MessagesReceived"/>).</summary>
    public long SocketMessages => messagesAtClose - messagesAtOpen;

    public void Open()
    {
        Latency = new LatencyHistogram();
        CallLatency = new LatencyHistogram();
        Interlocked.Exchange(ref deliveries, 0);
        Interlocked.Exchange(ref calls, 0);
        messagesAtOpen = BenchConnection.MessagesReceived;
        open = true;
    }

    public void Close()
    {
        open = false;
        messagesAtClose = BenchConnection.MessagesReceived;
    }

    /// <summary>A delivery of a payload sent at <paramref name="sentAt"/> (Stopwatch ticks; -1 = not a bench payload).</summary>
    public void Delivered(long sentAt)
    {
        if (!open || sentAt < 0)
        {
            return;
        }

        Interlocked.Increment(ref deliveries);
        Latency.RecordTicks(Stopwatch.GetTimestamp() - sentAt);
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
