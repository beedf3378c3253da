namespace Netra.Server.Feed;

internal static partial class FeedLog
{
    [LoggerMessage(EventId = 11200, Level = LogLevel.Debug, Message = "Stored post {PostId} as feed seq {Seq} from user {UserId}")]
    public static partial void PostStored(ILogger logger, long postId, long seq, long userId);

    [LoggerMessage(EventId = 11201, Level = LogLevel.Debug, Message = "Stored comment {CommentId} on post {PostId} as feed seq {Seq} from user {UserId}")]
    public static partial void CommentStored(ILogger logger, long commentId, long postId, long seq, long userId);

    [LoggerMessage(EventId = 11202, Level = LogLevel.Warning, Message = "Broadcast of feed seq {Seq} failed; it is stored and will be replayed on resume")]
    public static partial void BroadcastFailed(ILogger logger, long seq, Exception exception);
}
