namespace Netra.Contracts.Notifications;

/// <summary>Values of <see cref="NotificationEvent.Type"/>; <see cref="NotificationEvent.Data"/> of each is in docs/protocol.md.</summary>
public static class NotificationTypes
{
    /// <summary>Someone commented on your post: <c>{postId, commentId, fromUserId, fromUserName, preview}</c>.</summary>
    public const string CommentOnPost = "comment_on_post";

    /// <summary>Someone asked to connect with you: <c>{requestId, fromUserId, fromUserName}</c>.</summary>
    public const string ConnectionRequest = "connection_request";

    /// <summary>Your connection request was accepted: <c>{requestId, userId, userName}</c>.</summary>
    public const string ConnectionAccepted = "connection_accepted";

    /// <summary>You were added to a chat: <c>{chatId, title, byUserId, byUserName}</c>.</summary>
    public const string AddedToChat = "added_to_chat";

    /// <summary>You were removed from a chat (or left it): <c>{chatId, title, byUserId, byUserName}</c>.</summary>
    public const string RemovedFromChat = "removed_from_chat";
}
