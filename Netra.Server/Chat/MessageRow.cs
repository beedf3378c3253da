using Netra.Contracts.Chat;

namespace Netra.Server.Chat;

/// <summary>A row of <c>messages</c> joined with its sender's display name.</summary>
internal sealed class MessageRow
{
    public long Id { get; init; }

    public long ChatId { get; init; }

    public long Seq { get; init; }

    public long SenderId { get; init; }

    public string SenderName { get; init; } = "";

    public string Content { get; init; } = "";

    public string? Attachment { get; init; }

    public string ClientMessageId { get; init; } = "";

    public DateTime CreatedAt { get; init; }

    public ChatMessage ToMessage() => new(
        Id, ChatId, Seq, SenderId, SenderName, Content, Attachment, ClientMessageId,
        new DateTimeOffset(DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc)));
}
