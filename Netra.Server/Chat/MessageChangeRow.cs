namespace Netra.Server.Chat;

/// <summary>A row of <c>message_changes</c>: an edit or delete, as a durable event of its chat.</summary>
internal sealed class MessageChangeRow
{
    public long ChatId { get; init; }

    public long Seq { get; init; }

    public long MessageId { get; init; }

    public string Kind { get; init; } = "";

    public string? Content { get; init; }

    public long ChangedBy { get; init; }

    public DateTime CreatedAt { get; init; }
}
