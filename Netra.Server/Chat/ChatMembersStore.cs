using Dapper;
using Npgsql;
using Netra.Server.Storage;

namespace Netra.Server.Chat;

/// <summary>SQL for adding and removing chat members.</summary>
internal sealed class ChatMembersStore(NpgsqlDataSource dataSource)
{
    /// <summary>The chat's creator, title and member count; null when there is no such chat.</summary>
    public async Task<(long CreatedBy, string Title, int MemberCount)?> GetChatAsync(long chatId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long CreatedBy, string Title, int MemberCount)>(new CommandDefinition(
            "SELECT created_by, title, (SELECT count(*)::int FROM chat_members WHERE chat_id = c.id) FROM chats c WHERE id = @chatId",
            new { chatId }, cancellationToken: cancellationToken));
        return rows.Cast<(long, string, int)?>().SingleOrDefault();
    }

    /// <summary>Adds a member; false when they already are one.</summary>
    public async Task<bool> AddAsync(long chatId, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO chat_members (chat_id, user_id) VALUES (@chatId, @userId)", new { chatId, userId }, cancellationToken: cancellationToken));
            return true;
        }
        catch (PostgresException exception) when (exception.IsUniqueViolation("chat_members_pkey"))
        {
            return false;
        }
    }

    /// <summary>Removes a member; false when they were not one. Once committed, SendMessage and Subscribe refuse them.</summary>
    public async Task<bool> RemoveAsync(long chatId, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM chat_members WHERE chat_id = @chatId AND user_id = @userId", new { chatId, userId }, cancellationToken: cancellationToken)) == 1;
    }
}
