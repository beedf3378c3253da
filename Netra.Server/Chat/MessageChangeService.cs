using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Server.Errors;
using Netra.Server.Metrics;
using Netra.Server.Protection;
using Netra.Server.Realtime;

namespace Netra.Server.Chat;

/// <summary>
/// Edits, deletes and read markers (seed 002's chat_update). An edit or delete is stored as a durable event of
/// the chat with its own seq, then pushed to the chat as <c>MessageUpdated</c> / <c>MessageDeleted</c>; a repeat
/// that changes nothing stores and pushes nothing. Read markers only move forward and go to the reader's own
/// connections so that every tab clears its badge, and to the chat's members when it has read receipts on.
/// </summary>
internal sealed class MessageChangeService(
    MessageChangeStore store,
    ChatService chats,
    IHubContext<NetraHub, INetraClient> hub,
    IOptions<ChatOptions> options,
    TimeProvider time,
    NetraMetrics metrics,
    ILogger<MessageChangeService> logger)
{
    public async Task<ChatMessage> EditAsync(long userId, EditMessageRequest? request, CancellationToken cancellationToken)
    {
        var (chatId, messageId) = RequireIds(request?.ChatId, request?.MessageId);
        var content = request!.Content;
        if (content is not null && content.Length > options.Value.MaxContentLength)
        {
            throw new ProblemException(ErrorCodes.MessageTooLarge, $"content is {content.Length} characters; the limit is {options.Value.MaxContentLength}.");
        }

        content = InputRules.RequireText(content, "content", options.Value.MaxContentLength, multiLine: true);
        await chats.RequireMemberAsync(chatId, userId, cancellationToken);
        var window = TimeSpan.FromHours(options.Value.EditWindowHours);
        var change = await store.EditAsync(chatId, messageId, userId, content, time.GetUtcNow() - window, cancellationToken);
        switch (change.Status)
        {
            case MessageChangeStatus.Changed:
                var updated = new MessageUpdatedEvent(chatId, change.Seq, change.Message!.ToMessage());
                ChatLog.MessageEdited(logger, chatId, messageId, change.Seq, userId);
                await BroadcastAsync(chatId, change.Seq, group => group.MessageUpdated(updated));
                return updated.Message;
            case MessageChangeStatus.Unchanged:
                return change.Message!.ToMessage();
            case MessageChangeStatus.NotAllowed:
                throw ProblemException.Forbidden("Only the author may edit a message.");
            case MessageChangeStatus.AlreadyDeleted:
                throw ProblemException.Validation($"Message {messageId} was deleted; it cannot be edited.");
            case MessageChangeStatus.TooOld:
                throw ProblemException.Validation($"Messages can be edited for {options.Value.EditWindowHours} h after they are sent (Netra:Chat:EditWindowHours).");
            default:
                throw ProblemException.NotFound($"Chat {chatId} has no message {messageId}.");
        }
    }

    public async Task DeleteAsync(long userId, DeleteMessageRequest? request, CancellationToken cancellationToken)
    {
        var (chatId, messageId) = RequireIds(request?.ChatId, request?.MessageId);
        await chats.RequireMemberAsync(chatId, userId, cancellationToken);
        var change = await store.DeleteAsync(chatId, messageId, userId, cancellationToken);
        switch (change.Status)
        {
            case MessageChangeStatus.Changed:
                var deleted = new MessageDeletedEvent(chatId, change.Seq, messageId, userId, MessageRow.Utc(change.At));
                ChatLog.MessageDeleted(logger, chatId, messageId, change.Seq, userId);
                await BroadcastAsync(chatId, change.Seq, group => group.MessageDeleted(deleted));
                return;
            case MessageChangeStatus.Unchanged:
                return; // deleted already: a retry is one event
            case MessageChangeStatus.NotAllowed:
                throw ProblemException.Forbidden("Only the author or the chat's creator may delete a message.");
            default:
                throw ProblemException.NotFound($"Chat {chatId} has no message {messageId}.");
        }
    }

    /// <summary>Moves the caller's read position forward and tells their connections; returns the position.</summary>
    public async Task<long> MarkReadAsync(long userId, long chatId, long seq, CancellationToken cancellationToken)
    {
        if (chatId <= 0 || seq < 0)
        {
            throw ProblemException.Validation("chatId must be a positive chat id and seq 0 or more.");
        }

        var marked = await store.MarkReadAsync(chatId, userId, seq, cancellationToken)
            ?? throw ProblemException.Forbidden($"You are not a member of chat {chatId}.");
        if (marked.Moved)
        {
            var marker = new ReadMarkerEvent(chatId, userId, marked.LastReadSeq);
            await hub.Clients.User(userId.ToString(System.Globalization.CultureInfo.InvariantCulture)).ReadMarker(marker);
            if (marked.ReadReceipts)
            {
                // Read receipts: the other members see it too (the reader's own subscribed tabs may get it twice; it is idempotent).
                await hub.Clients.Group(Channels.Chat(chatId)).ReadMarker(marker);
            }
        }

        return marked.LastReadSeq;
    }

    private static (long ChatId, long MessageId) RequireIds(long? chatId, long? messageId) =>
        chatId is > 0 && messageId is > 0
            ? (chatId.Value, messageId.Value)
            : throw ProblemException.Validation("chatId and messageId must be positive ids.");

    private async Task BroadcastAsync(long chatId, long seq, Func<INetraClient, Task> send)
    {
        try
        {
            await send(hub.Clients.Group(Channels.Chat(chatId)));
            metrics.MessageBroadcast();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Stored: members that missed the push get it on resume.
            ChatLog.BroadcastFailed(logger, chatId, seq, exception);
        }
    }
}
