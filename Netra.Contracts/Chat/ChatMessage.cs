using Netra.Contracts.Realtime;

namespace Netra.Contracts.Chat;

/// <summary>
/// A stored chat message, as pushed live (<c>NewMessage</c>), replayed and returned by history. History gives
/// its current state: <see cref="EditedAt"/> once edited; a deleted message is a tombstone (<see cref="Deleted"/>,
/// empty content, no attachment).
/// </summary>
public sealed record ChatMessage(
    long Id,
    long ChatId,
    long Seq,
    long SenderId,
    string SenderName,
    string Content,
    string? Attachment,
    string ClientMessageId,
    DateTimeOffset Timestamp,
    DateTimeOffset? EditedAt = null,
    bool Deleted = false) : ISequencedEvent;
