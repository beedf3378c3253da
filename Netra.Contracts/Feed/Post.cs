using Netra.Contracts.Realtime;

namespace Netra.Contracts.Feed;

public sealed record Post(long Id, long Seq, long AuthorId, string AuthorName, string Content, DateTimeOffset Timestamp) : ISequencedEvent;
