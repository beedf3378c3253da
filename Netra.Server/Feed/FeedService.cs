using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Contracts.Feed;
using Netra.Contracts.Realtime;
using Netra.Server.Errors;
using Netra.Server.Metrics;
using Netra.Server.Notifications;
using Netra.Server.Protection;
using Netra.Server.Realtime;

namespace Netra.Server.Feed;

/// <summary>
/// The feed: a post or comment is stored with the <c>feed</c> channel's next seq (one transaction), then pushed as
/// <c>NewPost</c> / <c>NewComment</c> to the channel's subscribers; a comment also notifies the post's author
/// (not when they comment on their own post). A subscriber that missed some gets them from <c>Subscribe(feed, sinceSeq)</c>.
/// </summary>
internal sealed class FeedService(
    FeedStore store,
    NotificationService notifications,
    IHubContext<NetraHub, INetraClient> hub,
    NetraMetrics metrics,
    IOptions<FeedOptions> options,
    ILogger<FeedService> logger)
{
    public const int PreviewLength = 140;

    public async Task<Post> CreatePostAsync(long authorId, CreatePostRequest? request, CancellationToken cancellationToken)
    {
        var content = RequireContent(request?.Content);
        var post = await store.CreatePostAsync(authorId, content, cancellationToken);
        FeedLog.PostStored(logger, post.Id, post.Seq, authorId);
        await BroadcastAsync(post.Seq, group => group.NewPost(post));
        return post;
    }

    public async Task<Comment> CreateCommentAsync(long authorId, long postId, CreateCommentRequest? request, CancellationToken cancellationToken)
    {
        var content = RequireContent(request?.Content);
        var created = await store.CreateCommentAsync(postId, authorId, content, PreviewLength, cancellationToken)
            ?? throw ProblemException.NotFound($"There is no post {postId}.");
        var (comment, postAuthorId, notification) = created;
        FeedLog.CommentStored(logger, comment.Id, postId, comment.Seq, authorId);
        await BroadcastAsync(comment.Seq, group => group.NewComment(comment));
        if (notification is not null)
        {
            await notifications.PushAsync(postAuthorId, notification);
        }

        return comment;
    }

    public async Task<Post> GetPostAsync(long postId, CancellationToken cancellationToken) =>
        (await store.GetPostAsync(postId, cancellationToken))?.ToPost() ?? throw ProblemException.NotFound($"There is no post {postId}.");

    public Task<IReadOnlyList<Post>> ListPostsAsync(long? beforeId, int? limit, CancellationToken cancellationToken)
    {
        ValidatePage(beforeId, limit);
        return store.ListPostsAsync(beforeId ?? long.MaxValue, limit ?? 20, cancellationToken);
    }

    public async Task<IReadOnlyList<Comment>> ListCommentsAsync(long postId, long? afterId, int? limit, CancellationToken cancellationToken)
    {
        ValidatePage(afterId, limit);
        _ = await GetPostAsync(postId, cancellationToken);
        return await store.ListCommentsAsync(postId, afterId ?? 0, limit ?? 50, cancellationToken);
    }

    private void ValidatePage(long? id, int? limit)
    {
        if (id is < 0)
        {
            throw ProblemException.Validation("beforeId and afterId must be 0 or more.");
        }

        if (limit is < 1 || limit > options.Value.MaxPageSize)
        {
            throw ProblemException.Validation($"limit must be between 1 and {options.Value.MaxPageSize}.");
        }
    }

    private string RequireContent(string? content)
    {
        if (content is not null && content.Length > options.Value.MaxContentLength)
        {
            throw new ProblemException(ErrorCodes.MessageTooLarge, $"content is {content.Length} characters; the limit is {options.Value.MaxContentLength}.");
        }

        return InputRules.RequireText(content, "content", options.Value.MaxContentLength, multiLine: true);
    }

    private async Task BroadcastAsync(long seq, Func<INetraClient, Task> send)
    {
        try
        {
            await send(hub.Clients.Group(Channels.Feed));
            metrics.MessageBroadcast();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Stored: subscribers that missed the push get it on resume.
            FeedLog.BroadcastFailed(logger, seq, exception);
        }
    }
}
