using Dapper;
using Npgsql;

namespace Netra.Server.Chat;

/// <summary>
/// SQL for edits, deletes and read positions. An edit or delete locks the message row, takes the chat's next
/// seq (the same counter messages use, so a chat's seq stays gapless), updates the message and records the
/// change, in one transaction.
/// </summary>
internal sealed class MessageChangeStore(NpgsqlDataSource dataSource)
{
    public const string Edited = "edited";
    public const string Deleted = "deleted";

    private const string MessageColumns =
        "m.id, m.chat_id, m.seq, m.sender_id, u.display_name AS sender_name, m.content, m.attachment, m.client_message_id, m.created_at, m.edited_at, m.deleted_at";

    /// <summary>Replaces the content of <paramref name="messageId"/> if <paramref name="editorId"/> wrote it after <paramref name="editableSince"/>.</summary>
    public Task<MessageChange> EditAsync(long chatId, long messageId, long editorId, string content, DateTimeOffset editableSince, CancellationToken cancellationToken) =>
        ChangeAsync(chatId, messageId, editorId, (message, _) =>
            message.SenderId != editorId ? MessageChangeStatus.NotAllowed
            : message.DeletedAt is not null ? MessageChangeStatus.AlreadyDeleted
            : message.CreatedAt < editableSince.UtcDateTime ? MessageChangeStatus.TooOld
            : message.Content == content ? MessageChangeStatus.Unchanged
            : MessageChangeStatus.Changed,
            "UPDATE messages SET content = @content, edited_at = now() WHERE id = @messageId",
            Edited, content, cancellationToken);

    /// <summary>Deletes <paramref name="messageId"/> if <paramref name="deleterId"/> wrote it or created the chat.</summary>
    public Task<MessageChange> DeleteAsync(long chatId, long messageId, long deleterId, CancellationToken cancellationToken) =>
        ChangeAsync(chatId, messageId, deleterId, (message, chatCreator) =>
            message.SenderId != deleterId && chatCreator != deleterId ? MessageChangeStatus.NotAllowed
            : message.DeletedAt is not null ? MessageChangeStatus.Unchanged
            : MessageChangeStatus.Changed,
            "UPDATE messages SET deleted_at = now() WHERE id = @messageId",
            Deleted, null, cancellationToken);

    /// <summary>Edits and deletes of <paramref name="chatId"/> with <paramref name="afterSeq"/> &lt; seq &lt; <paramref name="beforeSeq"/>, ascending, with their messages now.</summary>
    public async Task<IReadOnlyList<(MessageChangeRow Change, MessageRow Message)>> GetChangesAsync(
        long chatId, long afterSeq, long beforeSeq, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<MessageChangeRow, MessageRow, (MessageChangeRow, MessageRow)>(new CommandDefinition(
            $"""
            SELECT c.chat_id, c.seq, c.message_id, c.kind, c.content, c.changed_by, c.created_at, {MessageColumns}
            FROM message_changes c JOIN messages m ON m.id = c.message_id JOIN users u ON u.id = m.sender_id
            WHERE c.chat_id = @chatId AND c.seq > @afterSeq AND c.seq < @beforeSeq
            ORDER BY c.seq
            LIMIT @limit
            """,
            new { chatId, afterSeq, beforeSeq, limit }, cancellationToken: cancellationToken),
            (change, message) => (change, message),
            splitOn: "id");
        return rows.ToList();
    }

    /// <summary>Moves a member's read position forward to <paramref name="seq"/> (capped at the head); the position after, and whether it moved.</summary>
    public async Task<(long LastReadSeq, bool Moved, bool ReadReceipts)?> MarkReadAsync(long chatId, long userId, long seq, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Before, long After, bool ReadReceipts)>(new CommandDefinition(
            """
            WITH target AS (
                SELECT cm.last_read_seq AS before, GREATEST(cm.last_read_seq, LEAST(@seq, c.last_seq)) AS after, c.read_receipts
                FROM chat_members cm JOIN chats c ON c.id = cm.chat_id
                WHERE cm.chat_id = @chatId AND cm.user_id = @userId
                FOR UPDATE OF cm
            ), updated AS (
                UPDATE chat_members cm SET last_read_seq = target.after FROM target
                WHERE cm.chat_id = @chatId AND cm.user_id = @userId
                RETURNING target.before, target.after, target.read_receipts
            )
            SELECT before, after, read_receipts FROM updated
            """,
            new { chatId, userId, seq }, cancellationToken: cancellationToken));
        return rows.Select(r => ((long, bool, bool)?)(r.After, r.After > r.Before, r.ReadReceipts)).FirstOrDefault();
    }

    private async Task<MessageChange> ChangeAsync(
        long chatId, long messageId, long actorId,
        Func<MessageRow, long, MessageChangeStatus> decide, string update, string kind, string? content, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var found = await connection.QuerySingleOrDefaultAsync<MessageRow>(new CommandDefinition(
            $"SELECT {MessageColumns} FROM messages m JOIN users u ON u.id = m.sender_id WHERE m.id = @messageId AND m.chat_id = @chatId FOR UPDATE OF m",
            new { messageId, chatId }, transaction, cancellationToken: cancellationToken));
        if (found is null)
        {
            return new MessageChange(MessageChangeStatus.NotFound, 0, null, default);
        }

        var creator = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT created_by FROM chats WHERE id = @chatId", new { chatId }, transaction, cancellationToken: cancellationToken));
        var status = decide(found, creator);
        if (status != MessageChangeStatus.Changed)
        {
            return new MessageChange(status, 0, found, default);
        }

        var seq = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "UPDATE chats SET last_seq = last_seq + 1 WHERE id = @chatId RETURNING last_seq", new { chatId }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(update, new { messageId, content }, transaction, cancellationToken: cancellationToken));
        var at = await connection.ExecuteScalarAsync<DateTime>(new CommandDefinition(
            """
            INSERT INTO message_changes (chat_id, seq, message_id, kind, content, changed_by)
            VALUES (@chatId, @seq, @messageId, @kind, @content, @actorId)
            RETURNING created_at
            """,
            new { chatId, seq, messageId, kind, content, actorId }, transaction, cancellationToken: cancellationToken));
        var changed = await connection.QuerySingleAsync<MessageRow>(new CommandDefinition(
            $"SELECT {MessageColumns} FROM messages m JOIN users u ON u.id = m.sender_id WHERE m.id = @messageId",
            new { messageId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new MessageChange(MessageChangeStatus.Changed, seq, changed, at);
    }
}
