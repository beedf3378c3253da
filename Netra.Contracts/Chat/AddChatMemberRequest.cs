namespace Netra.Contracts.Chat;

/// <summary>Body of <c>POST /api/chats/{id}/members</c>.</summary>
public sealed record AddChatMemberRequest(long UserId);
