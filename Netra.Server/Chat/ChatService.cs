using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Server.Auth;
using Netra.Server.Errors;
using Netra.Server.Protection;
using Netra.Server.Realtime;
using Netra.Server.Uploads;

namespace Netra.Server.Chat;

/// <summary>
/// Chat rules shared by the HTTP API and the hub: validation, membership, store first, then
/// broadcast to the chat's group through the hub context.
/// </summary>
internal sealed partial class ChatService(
    ChatStore store,
    MessageAppender appender,
    MessageChangeStore changes,
    UserStore users,
    TypingTracker typing,
    UploadService uploads,
    IOptions<ChatOptions> options,
    ILogger<ChatService> logger)
{
    public const int MaxClientMessageIdLength = 64;
    public const int MaxAttachmentLength = 300;

    public async Task<ChatSummary> CreateAsync(long creatorId, CreateChatRequest request, CancellationToken cancellationToken)
    {
        var title = InputRules.RequireText(request.Title?.Trim(), "title", options.Value.MaxTitleLength);
        var memberIds = (request.MemberIds ?? []).Distinct().ToList();
        if (memberIds.Count + 1 > options.Value.MaxMembers)
        {
            throw ProblemException.Validation($"A chat may have at most {options.Value.MaxMembers} members.");
        }

        if (memberIds.Any(id => id <= 0))
        {
            throw ProblemException.Validation("memberIds must be positive user ids.");
        }

        var missing = await users.FindMissingAsync(memberIds, cancellationToken);
        if (missing.Count > 0)
        {
            throw ProblemException.Validation($"No such users: {string.Join(", ", missing)}.");
        }

        var chat = await store.CreateChatAsync(creatorId, title, memberIds, request.ReadReceipts, cancellationToken);
        ChatLog.ChatCreated(logger, chat.Id, creatorId, chat.MemberIds.Length);
        return ToSummary(chat);
    }

    public async Task<IReadOnlyList<ChatSummary>> ListAsync(long userId, CancellationToken cancellationToken) =>
        (await store.ListChatsOfAsync(userId, cancellationToken)).Select(ToSummary).ToList();

    public async Task<IReadOnlyList<ChatMessage>> GetHistoryAsync(
        long userId, long chatId, long? afterSeq, long? beforeSeq, int? limit, CancellationToken cancellationToken)
    {
        if (afterSeq < 0 || beforeSeq < 1)
        {
            throw ProblemException.Validation("afterSeq must be 0 or more and beforeSeq 1 or more.");
        }

        if (limit is < 1 || limit > options.Value.MaxPageSize)
        {
            throw ProblemException.Validation($"limit must be between 1 and {options.Value.MaxPageSize}.");
        }

        await RequireMemberAsync(chatId, userId, cancellationToken);
        // With only beforeSeq the page is the newest messages before it; otherwise it reads forward from afterSeq.
        var fromEnd = afterSeq is null && beforeSeq is not null;
        return await store.GetMessagesAsync(
            chatId, afterSeq ?? 0, beforeSeq ?? long.MaxValue, limit ?? 50, fromEnd, cancellationToken);
    }

    /// <summary>
    /// Stores a message and broadcasts it; a retry with the same clientMessageId returns the stored message and broadcasts nothing.
    /// <paramref name="turn"/> (a hub call's place in its connection's order) is released once the message is queued for storage.
    /// </summary>
    public async Task<ChatMessage> SendAsync(long senderId, SendMessageRequest? request, CallOrder.CallTurn? turn, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            throw ProblemException.Validation("A message is required.");
        }

        if (request.ChatId <= 0)
        {
            throw ProblemException.Validation("chatId must be a positive chat id.");
        }

        var clientMessageId = request.ClientMessageId;
        if (string.IsNullOrEmpty(clientMessageId) || clientMessageId.Length > MaxClientMessageIdLength || !ClientMessageIdPattern().IsMatch(clientMessageId))
        {
            throw ProblemException.Validation(
                $"clientMessageId is required: 1 to {MaxClientMessageIdLength} characters of letters, digits, '-', '_', '.' or ':' (a UUID is a good choice).");
        }

        var content = request.Content;
        if (content is not null && content.Length > options.Value.MaxContentLength)
        {
            throw new ProblemException(ErrorCodes.MessageTooLarge, $"content is {content.Length} characters; the limit is {options.Value.MaxContentLength}.");
        }

        content = InputRules.RequireText(content, "content", options.Value.MaxContentLength, multiLine: true);
        var attachment = ValidateAttachment(request.Attachment);
        if (attachment is not null)
        {
            await uploads.RequireOwnAsync(senderId, attachment, cancellationToken);
        }

        // One batched insert on the usual path: it checks membership and the clientMessageId's uniqueness itself.
        var append = appender.AppendAsync(new NewMessage(request.ChatId, senderId, content, attachment, clientMessageId));
        turn?.Release(); // queued: the caller's next call may start, and its sends are stored after this one
        var stored = await append;
        if (stored is not null)
        {
            return stored;
        }

        // Not stored: a retry of a message stored before (by this or a concurrent call), or the sender is not a member.
        var existing = await store.FindByClientMessageIdAsync(senderId, clientMessageId, cancellationToken);
        if (existing is null)
        {
            await RequireMemberAsync(request.ChatId, senderId, cancellationToken);
            throw new InvalidOperationException($"Message for chat {request.ChatId} was neither stored nor found.");
        }

        if (existing.ChatId != request.ChatId)
        {
            throw ProblemException.Validation($"clientMessageId '{clientMessageId}' was already used for a message in another chat.");
        }

        ChatLog.DuplicateSend(logger, existing.ChatId, existing.Seq, senderId, clientMessageId);
        return existing;
    }

    /// <summary>
    /// For a subscribe: the chat's head, and what the caller missed after <paramref name="sinceSeq"/>: messages
    /// (<see cref="ChatMessage"/>), edits (<see cref="MessageUpdatedEvent"/>) and deletes (<see cref="MessageDeletedEvent"/>), in seq order.
    /// </summary>
    public async Task<(long LastSeq, bool Recovered, IReadOnlyList<ISequencedEvent> Missed)> GetMissedAsync(
        long userId, long chatId, long? sinceSeq, CancellationToken cancellationToken)
    {
        await RequireMemberAsync(chatId, userId, cancellationToken);
        var lastSeq = await store.GetLastSeqAsync(chatId, cancellationToken);
        if (sinceSeq is null || sinceSeq >= lastSeq)
        {
            return (lastSeq, true, []);
        }

        // One more than the replay limit tells whether everything fits. Events stored after lastSeq was
        // read may be included; the head reported is then the newest replayed seq. When not everything fits, nothing
        // is replayed (as for every other channel): the client reloads from history, and part of it would be thrown away.
        var limit = options.Value.MaxReplay;
        var missed = await GetEventsAsync(chatId, sinceSeq.Value, long.MaxValue, limit + 1, cancellationToken);
        if (missed.Count > limit)
        {
            return (lastSeq, false, []);
        }

        return (Math.Max(lastSeq, missed.Count > 0 ? missed[^1].Seq : 0), true, missed);
    }

    /// <summary>The chat's durable events with <paramref name="afterSeq"/> &lt; seq &lt; <paramref name="beforeSeq"/>, ascending, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<ISequencedEvent>> GetEventsAsync(long chatId, long afterSeq, long beforeSeq, int limit, CancellationToken cancellationToken)
    {
        var messages = await store.GetMessagesAsync(chatId, afterSeq, beforeSeq, limit, fromEnd: false, cancellationToken);
        var edits = await changes.GetChangesAsync(chatId, afterSeq, beforeSeq, limit, cancellationToken);
        return messages.Cast<ISequencedEvent>()
            .Concat(edits.Select(ToEvent))
            .OrderBy(e => e.Seq)
            .Take(limit)
            .ToList();
    }

    private static ISequencedEvent ToEvent((MessageChangeRow Change, MessageRow Message) row)
    {
        var (change, message) = row;
        if (change.Kind == MessageChangeStore.Deleted)
        {
            return new MessageDeletedEvent(change.ChatId, change.Seq, change.MessageId, change.ChangedBy, MessageRow.Utc(change.CreatedAt));
        }

        // The message as this edit left it; once deleted, its content is gone from every replay too.
        var now = message.ToMessage();
        var then = message.DeletedAt is null ? now with { Content = change.Content ?? now.Content, EditedAt = MessageRow.Utc(change.CreatedAt) } : now;
        return new MessageUpdatedEvent(change.ChatId, change.Seq, then);
    }

    public async Task SetTypingAsync(long userId, string userName, string connectionId, long chatId, bool isTyping, CancellationToken cancellationToken)
    {
        await RequireMemberAsync(chatId, userId, cancellationToken);
        await typing.SetAsync(userId, userName, connectionId, chatId, isTyping);
    }

    /// <summary>A connection closed: its typing states end (receivers get Typing with isTyping false).</summary>
    public Task ConnectionClosedAsync(string connectionId) => typing.ConnectionClosedAsync(connectionId);

    /// <summary>
    /// Members only. A chat that does not exist gets the same answer as one the caller is not in, so chat
    /// ids cannot be probed (DESIGN.md: "members only, else 403").
    /// </summary>
    public async Task RequireMemberAsync(long chatId, long userId, CancellationToken cancellationToken)
    {
        if (!await store.IsMemberAsync(chatId, userId, cancellationToken))
        {
            throw ProblemException.Forbidden($"You are not a member of chat {chatId}.");
        }
    }

    private static string? ValidateAttachment(string? attachment)
    {
        if (attachment is null)
        {
            return null;
        }

        if (attachment.Length > MaxAttachmentLength || !AttachmentPattern().IsMatch(attachment) || attachment.Contains("..", StringComparison.Ordinal))
        {
            throw ProblemException.Validation(
                $"attachment must be a path under /uploads/ of at most {MaxAttachmentLength} characters (letters, digits, '-', '_', '.', '/').");
        }

        return attachment;
    }

    private static ChatSummary ToSummary(ChatRow chat) => new(
        chat.Id, chat.Title, chat.MemberIds, chat.LastSeq, MessageRow.Utc(chat.CreatedAt), chat.LastReadSeq, chat.UnreadCount, chat.ReadReceipts, chat.CreatedBy);

    [GeneratedRegex("^[A-Za-z0-9_.:-]+\\z")]
    private static partial Regex ClientMessageIdPattern();

    [GeneratedRegex("^/uploads/[A-Za-z0-9_./-]+\\z")]
    private static partial Regex AttachmentPattern();
}
