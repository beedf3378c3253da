namespace Netra.Contracts.Chat;

public sealed record ChatSummary(long Id, string Title, IReadOnlyList<long> MemberIds, long LastSeq, DateTimeOffset CreatedAt);
