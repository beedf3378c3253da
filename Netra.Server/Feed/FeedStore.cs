using System.Text.Json;
using Dapper;
using Npgsql;
using Netra.Contracts;
using Netra.Contracts.Feed;
using Netra.Contracts.Notifications;
using Netra.Contracts.Realtime;
using Netra.Server.Events;
using Netra.Server.Notifications;
using Netra.Server.Protection;

namespace Netra.Server.Feed;

/// <summary>
/// SQL for posts and comments. Each write stores its row and its <c>feed</c> channel event in one transaction
/// (<see cref="ChannelEventStore.AppendAsync(NpgsqlConnection, NpgsqlTransaction?, ChannelName, string, string, CancellationToken)"/>),
/// so a post exists exactly when the feed's seq names it, and a replay of the feed returns it.
/// </summary>
internal sealed class FeedStore(NpgsqlDataSource dataSource)
{
    private static readonly ChannelName FeedChannel = Channels.Parse(Channels.Feed);

    public async Task<Post> CreatePostAsync(long authorId, string content, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<FeedRow>(new CommandDefinition(
            """
            WITH p AS (INSERT INTO posts (author_id, content) VALUES (@authorId, @content) RETURNING id, author_id, content, created_at)
            SELECT p.id, p.author_id, u.display_name AS author_name, p.content, p.created_at FROM p JOIN users u ON u.id = p.author_id
            """,
            new { authorId, content }, transaction, cancellationToken: cancellationToken));
        var post = row.ToPost();
        var seq = await AppendToFeedAsync(connection, transaction, nameof(INetraClient.NewPost), post, "posts", post.Id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return post with { Seq = seq };
    }

    /// <summary>
    /// Stores a comment, its feed event and, when the post's author is someone else, their notification, in one
    /// transaction. Null when the post does not exist.
    /// </summary>
    public async Task<(Comment Comment, long PostAuthorId, NotificationEvent? Notification)?> CreateCommentAsync(
        long postId, long authorId, string content, int previewLength, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var postAuthorId = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT author_id FROM posts WHERE id = @postId FOR SHARE", new { postId }, transaction, cancellationToken: cancellationToken));
        if (postAuthorId is null)
        {
            return null;
        }

        var row = await connection.QuerySingleAsync<FeedRow>(new CommandDefinition(
            """
            WITH c AS (INSERT INTO comments (post_id, author_id, content) VALUES (@postId, @authorId, @content) RETURNING id, post_id, author_id, content, created_at)
            SELECT c.id, c.post_id, c.author_id, u.display_name AS author_name, c.content, c.created_at FROM c JOIN users u ON u.id = c.author_id
            """,
            new { postId, authorId, content }, transaction, cancellationToken: cancellationToken));
        var comment = row.ToComment();
        var seq = await AppendToFeedAsync(connection, transaction, nameof(INetraClient.NewComment), comment, "comments", comment.Id, cancellationToken);
        NotificationEvent? notification = null;
        if (postAuthorId != authorId)
        {
            var preview = InputRules.Cut(content, previewLength);
            notification = await NotificationStore.InsertAsync(
                connection, transaction, postAuthorId.Value, NotificationTypes.CommentOnPost,
                NotificationService.Data(new { postId, commentId = comment.Id, fromUserId = authorId, fromUserName = comment.AuthorName, preview }),
                cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (comment with { Seq = seq }, postAuthorId.Value, notification);
    }

    public async Task<FeedRow?> GetPostAsync(long postId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<FeedRow>(new CommandDefinition(
            """
            SELECT p.id, p.seq, p.author_id, u.display_name AS author_name, p.content, p.created_at
            FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = @postId
            """,
            new { postId }, cancellationToken: cancellationToken));
    }

    /// <summary>Posts with id &lt; <paramref name="beforeId"/>, newest first.</summary>
    public async Task<IReadOnlyList<Post>> ListPostsAsync(long beforeId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<FeedRow>(new CommandDefinition(
            """
            SELECT p.id, p.seq, p.author_id, u.display_name AS author_name, p.content, p.created_at
            FROM posts p JOIN users u ON u.id = p.author_id
            WHERE p.id < @beforeId ORDER BY p.id DESC LIMIT @limit
            """,
            new { beforeId, limit }, cancellationToken: cancellationToken));
        return rows.Select(row => row.ToPost()).ToList();
    }

    /// <summary>A post's comments with id &gt; <paramref name="afterId"/>, oldest first.</summary>
    public async Task<IReadOnlyList<Comment>> ListCommentsAsync(long postId, long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<FeedRow>(new CommandDefinition(
            """
            SELECT c.id, c.post_id, c.seq, c.author_id, u.display_name AS author_name, c.content, c.created_at
            FROM comments c JOIN users u ON u.id = c.author_id
            WHERE c.post_id = @postId AND c.id > @afterId ORDER BY c.id LIMIT @limit
            """,
            new { postId, afterId, limit }, cancellationToken: cancellationToken));
        return rows.Select(row => row.ToComment()).ToList();
    }

    private static async Task<long> AppendToFeedAsync<T>(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string eventName, T item, string table, long id, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(item, ChannelEventService.WireJson);
        var (seq, _) = await ChannelEventStore.AppendAsync(connection, transaction, FeedChannel, eventName, json, cancellationToken);
        // table is one of two constants, never input.
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE {table} SET seq = @seq WHERE id = @id", new { seq, id }, transaction, cancellationToken: cancellationToken));
        return seq;
    }
}
