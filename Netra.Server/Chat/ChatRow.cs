namespace Netra.Server.Chat;

/// <summary>A row of <c>chats</c> with its member ids.</summary>
internal sealed class ChatRow
{
    public long Id { get; init; }

    public string Title { get; init; } = "";

    public long CreatedBy { get; init; }

    public long LastSeq { get; init; }

    public long[] MemberIds { get; init; } = [];

    public DateTime CreatedAt { get; init; }

    public bool ReadReceipts { get; init; }

    /// <summary>The viewing member's read position.</summary>
    public long LastReadSeq { get; init; }

    /// <summary>Messages after <see cref="LastReadSeq"/> from others, not deleted.</summary>
    public long UnreadCount { get; init; }
}
