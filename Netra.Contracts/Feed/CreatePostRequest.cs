namespace Netra.Contracts.Feed;

/// <summary>Body of <c>POST /api/posts</c>.</summary>
public sealed record CreatePostRequest(string? Content);
