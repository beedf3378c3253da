using Npgsql;

namespace Netra.Bench;

/// <summary>
/// Users and chats for the fan-out and chat scenarios, written straight into Netra's database
/// (after Netra has migrated it): registering thousands of users over HTTP would spend the
/// run on password hashing. Idempotent, so every generator run against one database reuses them.
/// </summary>
public sealed class NetraSeed
{
    private NetraSeed(long[] fanoutChats, long[] fanoutSubscribers, long fanoutSender, long[] chats, long[][] chatMembers)
    {
        FanoutChats = fanoutChats;
        FanoutSubscribers = fanoutSubscribers;
        FanoutSender = fanoutSender;
        Chats = chats;
        ChatMembers = chatMembers;
    }

    /// <summary>Two chats of the same members (the fan-out's subscribers and its sender): one per setup of a pair measured together.</summary>
    public long[] FanoutChats { get; }

    public long[] FanoutSubscribers { get; }

    public long FanoutSender { get; }

    public long[] Chats { get; }

    public long[][] ChatMembers { get; }

    public static async Task<NetraSeed> EnsureAsync(string postgres, int subscribers, int chats, int members, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        var users = subscribers + 1 + (chats * members);
        await ExecuteAsync(dataSource, """
            INSERT INTO users (user_name, display_name, password_hash)
            SELECT 'bench-' || g, 'Bench ' || g, 'not-a-password-hash' FROM generate_series(1, @n) g
            ON CONFLICT DO NOTHING
            """, cancellationToken, ("n", users));
        var ids = new long[users + 1];
        await using (var command = dataSource.CreateCommand("SELECT id, substr(user_name, 7)::int FROM users WHERE user_name ~ '^bench-[0-9]+$' AND substr(user_name, 7)::int <= $1"))
        {
            command.Parameters.AddWithValue(users);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids[reader.GetInt32(1)] = reader.GetInt64(0);
            }
        }

        var fanoutSubscribers = ids[1..(subscribers + 1)];
        var fanoutSender = ids[subscribers + 1];
        long[] fanoutChats =
        [
            await EnsureChatAsync(dataSource, $"bench-fanout-{subscribers}", [.. fanoutSubscribers, fanoutSender], cancellationToken),
            await EnsureChatAsync(dataSource, $"bench-fanout-{subscribers}-pair", [.. fanoutSubscribers, fanoutSender], cancellationToken),
        ];

        var chatIds = new long[chats];
        var chatMembers = new long[chats][];
        for (var c = 0; c < chats; c++)
        {
            var first = subscribers + 2 + (c * members);
            chatMembers[c] = ids[first..(first + members)];
            chatIds[c] = await EnsureChatAsync(dataSource, $"bench-chat-{members}-{c}", chatMembers[c], cancellationToken);
        }

        return new NetraSeed(fanoutChats, fanoutSubscribers, fanoutSender, chatIds, chatMembers);
    }

    private static async Task<long> EnsureChatAsync(NpgsqlDataSource dataSource, string title, long[] members, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH existing AS (SELECT id FROM chats WHERE title = $1 ORDER BY id LIMIT 1),
                 created AS (INSERT INTO chats (title, created_by) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM existing) RETURNING id)
            SELECT id FROM existing UNION ALL SELECT id FROM created
            """);
        command.Parameters.AddWithValue(title);
        command.Parameters.AddWithValue(members[0]);
        var chatId = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        await ExecuteAsync(dataSource, "INSERT INTO chat_members (chat_id, user_id) SELECT @chat, unnest(@members) ON CONFLICT DO NOTHING",
            cancellationToken, ("chat", chatId), ("members", members));
        return chatId;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
