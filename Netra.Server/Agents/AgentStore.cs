using Dapper;
using Npgsql;

namespace Netra.Server.Agents;

/// <summary>SQL for the agent user (migration 0010) and its chat memberships.</summary>
internal sealed class AgentStore(NpgsqlDataSource dataSource)
{
    public const string AgentUserName = "netra:agent";

    private long agentUserId;

    /// <summary>The id of the user agents' answers are stored as (read once, then kept).</summary>
    public async Task<long> GetAgentUserIdAsync(CancellationToken cancellationToken)
    {
        var id = Volatile.Read(ref agentUserId);
        if (id != 0)
        {
            return id;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT id FROM users WHERE user_name = @name", new { name = AgentUserName }, cancellationToken: cancellationToken))
            ?? throw new InvalidOperationException($"The agent user '{AgentUserName}' is missing; migration 0010 creates it.");
        Volatile.Write(ref agentUserId, id);
        return id;
    }

    /// <summary>Adds the agent user to the chat unless it is a member already.</summary>
    public async Task JoinChatAsync(long chatId, long agentId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO chat_members (chat_id, user_id) VALUES (@chatId, @agentId) ON CONFLICT DO NOTHING",
            new { chatId, agentId }, cancellationToken: cancellationToken));
    }
}
