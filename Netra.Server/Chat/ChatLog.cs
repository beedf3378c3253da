namespace Netra.Server.Chat;

internal static partial class ChatLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Chat {ChatId} created by user {UserId} with {MemberCount} members")]
    public static partial void ChatCreated(ILogger logger, long chatId, long userId, int memberCount);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Stored message {MessageId} as chat {ChatId} seq {Seq} from user {UserId}")]
    public static partial void MessageStored(ILogger logger, long chatId, long seq, long messageId, long userId);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Repeated send of chat {ChatId} seq {Seq} by user {UserId} (clientMessageId {ClientMessageId}); returning the stored message")]
    public static partial void DuplicateSend(ILogger logger, long chatId, long seq, long userId, string clientMessageId);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Broadcast of chat {ChatId} seq {Seq} failed; the message is stored and will be replayed on resume")]
    public static partial void BroadcastFailed(ILogger logger, long chatId, long seq, Exception exception);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Broadcast of chat {ChatId} seqs {FirstSeq} to {LastSeq} failed; the messages are stored and will be replayed on resume")]
    public static partial void BroadcastFailed(ILogger logger, long chatId, long firstSeq, long lastSeq, Exception exception);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Message {MessageId} of chat {ChatId} edited by user {UserId} as seq {Seq}")]
    public static partial void MessageEdited(ILogger logger, long chatId, long messageId, long seq, long userId);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Message {MessageId} of chat {ChatId} deleted by user {UserId} as seq {Seq}")]
    public static partial void MessageDeleted(ILogger logger, long chatId, long messageId, long seq, long userId);

    [LoggerMessage(EventId = 11000, Level = LogLevel.Debug, Message = "User {UserId} stopped typing in chat {ChatId}: {Reason}")]
    public static partial void TypingEnded(ILogger logger, long userId, long chatId, string reason);

    [LoggerMessage(EventId = 11001, Level = LogLevel.Warning, Message = "Typing of user {UserId} in chat {ChatId} could not be sent")]
    public static partial void TypingSendFailed(ILogger logger, long userId, long chatId, Exception exception);

    [LoggerMessage(EventId = 11500, Level = LogLevel.Information, Message = "User {UserId} added to chat {ChatId} by user {ByUserId}")]
    public static partial void MemberAdded(ILogger logger, long chatId, long userId, long byUserId);

    [LoggerMessage(EventId = 11501, Level = LogLevel.Information, Message = "User {UserId} removed from chat {ChatId} by user {ByUserId}")]
    public static partial void MemberRemoved(ILogger logger, long chatId, long userId, long byUserId);

    [LoggerMessage(EventId = 11502, Level = LogLevel.Debug, Message = "User {UserId} left the group of chat {ChatId} on {Count} connections")]
    public static partial void GroupLeft(ILogger logger, long userId, long chatId, int count);

    [LoggerMessage(EventId = 11503, Level = LogLevel.Warning, Message = "No node acknowledged taking connection {ConnectionId} of user {UserId} out of chat {ChatId}; it is taken for gone")]
    public static partial void GroupLeaveUnacknowledged(ILogger logger, string connectionId, long chatId, long userId, Exception exception);

    [LoggerMessage(EventId = 11504, Level = LogLevel.Warning, Message = "User {UserId} was not removed from chat {ChatId}: Redis could not be reached to take their connections out of its group on every node")]
    public static partial void GroupLeaveImpossible(ILogger logger, long userId, long chatId, Exception exception);

    [LoggerMessage(EventId = 11505, Level = LogLevel.Warning, Message = "User {UserId} was removed from chat {ChatId}, but Redis could not be reached to take their connections out of its group once more; a connection that subscribed during the removal may get the chat until it reconnects")]
    public static partial void GroupLeaveAfterRemovalFailed(ILogger logger, long userId, long chatId, Exception exception);
}
