using Netra.Contracts.Realtime;

namespace Netra.Contracts.Chat;

/// <summary>A stored chat message, as pushed live (<c>NewMessage</c>), replayed and returned by history.</summary>
public sealed record ChatMessage(
    long Id,
    long ChatId,
    long Seq,
    long SenderId,
    string SenderName,
    string Content,
    string? Attachment,
    string ClientMessageId,
    DateTimeOffset Timestamp) : ISequencedEvent;
