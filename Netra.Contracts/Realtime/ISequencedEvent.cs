namespace Netra.Contracts.Realtime;

/// <summary>
/// A durable event of a channel: it carries the channel's sequence number, so a client can resume after
/// it and the server can tell a replayed copy from a live one.
/// </summary>
public interface ISequencedEvent
{
    long Seq { get; }
}
