using Netra.Contracts.Feed;

namespace Netra.Server.Feed;

/// <summary>A row of <c>posts</c> or <c>comments</c> with its author's display name.</summary>
internal sealed class FeedRow
{
    public long Id { get; init; }

    public long PostId { get; init; }

    public long? Seq { get; init; }

    public long AuthorId { get; init; }

    public string AuthorName { get; init; } = "";

    public string Content { get; init; } = "";

    public DateTime CreatedAt { get; init; }

    public DateTimeOffset Timestamp => new(DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc));

    public Post ToPost() => new(Id, Seq ?? 0, AuthorId, AuthorName, Content, Timestamp);

    public Comment ToComment() => new(Id, Seq ?? 0, PostId, AuthorId, AuthorName, Content, Timestamp);
}
