using Dapper;
using Npgsql;
using Netra.Server.Storage;

namespace Netra.Server.Chat;

/// <summary>SQL for adding and removing chat members.</summary>
internal sealed class ChatMembersStore(NpgsqlDataSource dataSource)
{
    /// <summary>The chat's creator and title; null when there is no such chat.</summary>
    public async Task<(long CreatedBy, string Title)?> GetChatAsync(long chatId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long CreatedBy, string Title)>(new CommandDefinition(
            "SELECT created_by, title FROM chats WHERE id = @chatId", new { chatId }, cancellationToken: cancellationToken));
        return rows.Cast<(long, string)?>().SingleOrDefault();
    }

    /// <summary>
    /// Adds a member unless the chat has <paramref name="maxMembers"/> already. The chat's row is locked while its members
    /// are counted, so adds that run at once are counted one after the other and never take it past the limit.
    /// </summary>
    public async Task<MemberAdd> AddAsync(long chatId, long userId, int maxMembers, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The lock first, in a statement of its own: the count's statement then reads the members as they are once the
        // lock is held (a statement sees what was committed when it started, and a lock taken inside it comes later).
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM chats WHERE id = @chatId FOR UPDATE", new { chatId }, transaction, cancellationToken: cancellationToken));
        var members = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*)::int FROM chat_members WHERE chat_id = @chatId AND user_id <> @userId",
            new { chatId, userId }, transaction, cancellationToken: cancellationToken));
        if (members >= maxMembers)
        {
            return MemberAdd.ChatFull;
        }

        var added = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO chat_members (chat_id, user_id) VALUES (@chatId, @userId) ON CONFLICT DO NOTHING",
            new { chatId, userId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return added == 1 ? MemberAdd.Added : MemberAdd.AlreadyMember;
    }

    /// <summary>
    /// Removes a member; false when they were not one. <paramref name="beforeCommit"/> runs with the row deleted but not
    /// committed: when it throws, nothing is removed. Once committed, SendMessage and Subscribe refuse them.
    /// </summary>
    public async Task<bool> RemoveAsync(long chatId, long userId, Func<Task> beforeCommit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var removed = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM chat_members WHERE chat_id = @chatId AND user_id = @userId", new { chatId, userId }, transaction, cancellationToken: cancellationToken)) == 1;
        if (!removed)
        {
            return false;
        }

        await beforeCommit();
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
