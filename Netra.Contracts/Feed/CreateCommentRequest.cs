namespace Netra.Contracts.Feed;

/// <summary>Body of <c>POST /api/posts/{id}/comments</c>.</summary>
public sealed record CreateCommentRequest(string? Content);
