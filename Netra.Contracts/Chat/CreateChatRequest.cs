namespace Netra.Contracts.Chat;

/// <summary><c>POST /api/chats</c>; with <paramref name="ReadReceipts"/>, members see each other's read markers.</summary>
public sealed record CreateChatRequest(string? Title, IReadOnlyList<long>? MemberIds, bool ReadReceipts = false);
