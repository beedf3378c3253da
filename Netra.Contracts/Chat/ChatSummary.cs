namespace Netra.Contracts.Chat;

/// <summary>A chat as <c>GET /api/chats</c> lists it for the caller: its head, the caller's read position and unread count.</summary>
public sealed record ChatSummary(long Id, string Title, IReadOnlyList<long> MemberIds, long LastSeq, DateTimeOffset CreatedAt, long LastReadSeq = 0, long UnreadCount = 0, bool ReadReceipts = false, long CreatedBy = 0);
