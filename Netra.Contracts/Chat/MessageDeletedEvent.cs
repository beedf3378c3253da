using Netra.Contracts.Realtime;

namespace Netra.Contracts.Chat;

/// <summary>A message was deleted: a durable event of its chat with its own <paramref name="Seq"/>.</summary>
public sealed record MessageDeletedEvent(long ChatId, long Seq, long MessageId, long DeletedBy, DateTimeOffset DeletedAt) : ISequencedEvent;
