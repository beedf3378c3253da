using Dapper;
using Npgsql;
using Netra.Contracts.Chat;
using Netra.Server.Storage;

namespace Netra.Server.Chat;

/// <summary>SQL for chats, members and messages.</summary>
internal sealed class ChatStore(NpgsqlDataSource dataSource, [FromKeyedServices(StorageExtensions.Writers)] NpgsqlDataSource writers)
{
    private const string MessageColumns =
        "m.id, m.chat_id, m.seq, m.sender_id, u.display_name AS sender_name, m.content, m.attachment, m.client_message_id, m.created_at, m.edited_at, m.deleted_at";

    public async Task<ChatRow> CreateChatAsync(long creatorId, string title, IReadOnlyCollection<long> memberIds, bool readReceipts, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var chatId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "INSERT INTO chats (title, created_by, read_receipts) VALUES (@title, @creatorId, @readReceipts) RETURNING id",
            new { title, creatorId, readReceipts }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO chat_members (chat_id, user_id) SELECT @chatId, unnest(@members) ON CONFLICT DO NOTHING",
            new { chatId, members = memberIds.Append(creatorId).Distinct().ToArray() }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (await GetChatsAsync(connection, "c.id = @chatId", new { chatId, viewerId = creatorId }, cancellationToken)).Single();
    }

    public async Task<IReadOnlyList<ChatRow>> ListChatsOfAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await GetChatsAsync(
            connection, "me.user_id IS NOT NULL", new { viewerId = userId }, cancellationToken);
    }

    public async Task<bool> IsMemberAsync(long chatId, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM chat_members WHERE chat_id = @chatId AND user_id = @userId)",
            new { chatId, userId }, cancellationToken: cancellationToken));
    }

    public async Task<long> GetLastSeqAsync(long chatId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT last_seq FROM chats WHERE id = @chatId", new { chatId }, cancellationToken: cancellationToken));
    }

    public async Task<ChatMessage?> FindByClientMessageIdAsync(long senderId, string clientMessageId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<MessageRow>(new CommandDefinition(
            $"SELECT {MessageColumns} FROM messages m JOIN users u ON u.id = m.sender_id WHERE m.sender_id = @senderId AND m.client_message_id = @clientMessageId",
            new { senderId, clientMessageId }, cancellationToken: cancellationToken));
        return row?.ToMessage();
    }

    /// <summary>
    /// Stores messages, possibly of several chats, in one statement and one commit. The chats' rows are locked in
    /// chat id order first (so that two writers never lock two chats in opposite orders), then each chat takes its
    /// next seqs in the order given. The row lock orders concurrent writers, and the whole batch is one transaction,
    /// so seqs stay gapless. A message whose sender is not a member, or whose (sender, clientMessageId) is stored
    /// already, is left out of the result; a (sender, clientMessageId) stored by a concurrent writer meanwhile fails
    /// the batch with a unique violation (<see cref="IsDuplicate"/>). Returns the stored messages in chat id, then seq
    /// order, each with its place in <paramref name="messages"/>. Written through the writers' pool (<see cref="StorageExtensions.Writers"/>): <see cref="MessageAppender"/>'s
    /// partitions are its only callers.
    /// </summary>
    public async Task<IReadOnlyList<(int Index, ChatMessage Message)>> AppendAsync(IReadOnlyList<NewMessage> messages, CancellationToken cancellationToken)
    {
        // The statement's columns, and each message's place by the (sender, clientMessageId) its row comes back with, in one pass.
        var count = messages.Count;
        var (chatIds, senderIds, contents, attachments, clientMessageIds) = (new long[count], new long[count], new string[count], new string?[count], new string[count]);
        var places = new Dictionary<(long SenderId, string ClientMessageId), int>(count);
        for (var i = 0; i < count; i++)
        {
            var message = messages[i];
            (chatIds[i], senderIds[i], contents[i], attachments[i], clientMessageIds[i]) =
                (message.ChatId, message.SenderId, message.Content, message.Attachment, message.ClientMessageId);
            places.TryAdd((message.SenderId, message.ClientMessageId), i);
        }

        await using var connection = await writers.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(AppendSql, connection)
        {
            Parameters =
            {
                new NpgsqlParameter<long[]> { TypedValue = chatIds },
                new NpgsqlParameter<long[]> { TypedValue = senderIds },
                new NpgsqlParameter<string[]> { TypedValue = contents },
                new NpgsqlParameter<string?[]> { TypedValue = attachments },
                new NpgsqlParameter<string[]> { TypedValue = clientMessageIds },
            },
        };

        // The rows carry what the database made (id, seq, time), the sender's name, and the (sender, clientMessageId) that
        // tells which message of the batch each is (one of a batch at most: MessageAppender leaves out repeats); the rest is
        // the message as sent, which is what was stored, so it is not read back.
        var stored = new List<(int, ChatMessage)>(count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var index = places[(reader.GetInt64(2), reader.GetString(3))];
            var message = messages[index];
            stored.Add((index, new ChatMessage(
                reader.GetInt64(0), message.ChatId, reader.GetInt64(1), message.SenderId, reader.GetString(4), message.Content, message.Attachment,
                message.ClientMessageId, MessageRow.Utc(reader.GetDateTime(5)))));
        }

        return stored;
    }

    /// <summary>A batch failed because a (sender, clientMessageId) in it was stored meanwhile by another writer.</summary>
    public static bool IsDuplicate(PostgresException exception) => exception.IsUniqueViolation("messages_sender_client_message_id_key");

    // $1..$5 the messages' chats, senders, contents, attachments and clientMessageIds, in send order. Returns, per stored
    // message in chat id then seq order, its id, seq, sender, clientMessageId, sender's name and time. The locking
    // SELECT is materialized and sorted before it locks, and the UPDATE reaches a chat only after it was locked there, so
    // the locks are taken by ascending chat id whatever the order sent and the plan. (Internal for the tests that look for it
    // in pg_stat_activity, which shows the first 1 kB of a statement.)
    internal const string AppendSql =
        """
        WITH accepted AS (
            SELECT i.chat_id, i.sender_id, i.content, i.attachment, i.client_message_id,
                   row_number() OVER (PARTITION BY i.chat_id ORDER BY i.ord) AS n
            FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[])
                 WITH ORDINALITY AS i(chat_id, sender_id, content, attachment, client_message_id, ord)
            WHERE EXISTS (SELECT 1 FROM chat_members cm WHERE cm.chat_id = i.chat_id AND cm.user_id = i.sender_id)
              AND NOT EXISTS (SELECT 1 FROM messages x WHERE x.sender_id = i.sender_id AND x.client_message_id = i.client_message_id)
        ), counts AS (
            SELECT chat_id, count(*) AS k FROM accepted GROUP BY chat_id
        ), locked AS MATERIALIZED (
            SELECT id FROM chats WHERE id IN (SELECT chat_id FROM counts) ORDER BY id FOR NO KEY UPDATE
        ), head AS (
            UPDATE chats AS c SET last_seq = c.last_seq + counts.k
            FROM locked JOIN counts ON counts.chat_id = locked.id
            WHERE c.id = locked.id
            RETURNING c.id, c.last_seq - counts.k AS base
        ), m AS (
            INSERT INTO messages (chat_id, seq, sender_id, content, attachment, client_message_id)
            SELECT a.chat_id, head.base + a.n, a.sender_id, a.content, a.attachment, a.client_message_id
            FROM accepted a JOIN head ON head.id = a.chat_id
            RETURNING id, chat_id, seq, sender_id, client_message_id, created_at
        )
        SELECT m.id, m.seq, m.sender_id, m.client_message_id, u.display_name, m.created_at
        FROM m JOIN users u ON u.id = m.sender_id
        ORDER BY m.chat_id, m.seq
        """;

    /// <summary>Messages with <paramref name="afterSeq"/> &lt; seq &lt; <paramref name="beforeSeq"/>, ascending; the newest <paramref name="limit"/> of them when <paramref name="fromEnd"/>.</summary>
    public async Task<IReadOnlyList<ChatMessage>> GetMessagesAsync(
        long chatId, long afterSeq, long beforeSeq, int limit, bool fromEnd, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var order = fromEnd ? "DESC" : "ASC";
        var rows = await connection.QueryAsync<MessageRow>(new CommandDefinition(
            $"""
            SELECT {MessageColumns} FROM messages m JOIN users u ON u.id = m.sender_id
            WHERE m.chat_id = @chatId AND m.seq > @afterSeq AND m.seq < @beforeSeq
            ORDER BY m.seq {order}
            LIMIT @limit
            """,
            new { chatId, afterSeq, beforeSeq, limit }, cancellationToken: cancellationToken));
        var messages = rows.Select(row => row.ToMessage());
        return (fromEnd ? messages.Reverse() : messages).ToList();
    }

    /// <summary>Chats matching <paramref name="where"/>, with the read position and unread count of <c>@viewerId</c>.</summary>
    private static async Task<IReadOnlyList<ChatRow>> GetChatsAsync(NpgsqlConnection connection, string where, object parameters, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<ChatRow>(new CommandDefinition(
            $"""
            SELECT c.id, c.title, c.created_by, c.last_seq, c.created_at, c.read_receipts,
                   ARRAY(SELECT cm.user_id FROM chat_members cm WHERE cm.chat_id = c.id ORDER BY cm.user_id) AS member_ids,
                   COALESCE(me.last_read_seq, 0) AS last_read_seq,
                   (SELECT count(*) FROM messages m
                    WHERE m.chat_id = c.id AND m.seq > COALESCE(me.last_read_seq, 0) AND m.sender_id <> @viewerId AND m.deleted_at IS NULL) AS unread_count
            FROM chats c
            LEFT JOIN chat_members me ON me.chat_id = c.id AND me.user_id = @viewerId
            WHERE {where}
            ORDER BY c.id
            """,
            parameters, cancellationToken: cancellationToken));
        return rows.ToList();
    }
}
