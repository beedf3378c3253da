using Netra.Contracts.Realtime;

namespace Netra.Contracts.Feed;

public sealed record Comment(long Id, long Seq, long PostId, long AuthorId, string AuthorName, string Content, DateTimeOffset Timestamp) : ISequencedEvent;
