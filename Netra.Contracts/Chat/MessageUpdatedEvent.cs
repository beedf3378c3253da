using Netra.Contracts.Realtime;

namespace Netra.Contracts.Chat;

/// <summary>A message was edited: a durable event of its chat with its own <paramref name="Seq"/>, carrying the message as it now is.</summary>
public sealed record MessageUpdatedEvent(long ChatId, long Seq, ChatMessage Message) : ISequencedEvent;
