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

    public DateTime? EditedAt { get; init; }

    public DateTime? DeletedAt { get; init; }

    /// <summary>The message as clients see it now: a deleted one is a tombstone without content or attachment.</summary>
    public ChatMessage ToMessage() => new(
        Id, ChatId, Seq, SenderId, SenderName, DeletedAt is null ? Content : "", DeletedAt is null ? Attachment : null, ClientMessageId,
        Utc(CreatedAt), EditedAt is { } edited ? Utc(edited) : null, DeletedAt is not null);

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
