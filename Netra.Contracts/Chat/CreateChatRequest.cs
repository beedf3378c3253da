namespace Netra.Contracts.Chat;

public sealed record CreateChatRequest(string? Title, IReadOnlyList<long>? MemberIds);
