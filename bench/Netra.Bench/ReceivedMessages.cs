namespace Netra.Bench;

/// <summary>
/// WebSocket messages received by the connections to one <see cref="Target"/> (a server may put several records in one),
/// and the part of them from its first node (the fan-out sender's) when it has several. Kept per target, so that when
/// two targets are connected at once (the scale-out pair), the one measuring counts none of the other's.
/// </summary>
public sealed class ReceivedMessages
{
    private long all;
    private long onFirstNode;

    public long All => Interlocked.Read(ref all);

    public long OnFirstNode => Interlocked.Read(ref onFirstNode);

    public void Received(bool fromFirstNode)
    {
        Interlocked.Increment(ref all);
        if (fromFirstNode)
        {
            Interlocked.Increment(ref onFirstNode);
        }
    }
}
