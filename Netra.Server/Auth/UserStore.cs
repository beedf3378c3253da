using Dapper;
using Npgsql;
using Netra.Server.Storage;

namespace Netra.Server.Auth;

internal sealed class UserStore(NpgsqlDataSource dataSource, [FromKeyedServices(StorageExtensions.Writers)] NpgsqlDataSource writers)
{
    private const string Columns = "id, user_name, display_name, password_hash, roles";

    /// <summary>Creates a user; null when the user name is taken (in any letter case).</summary>
    public async Task<UserRecord?> CreateAsync(string userName, string displayName, string passwordHash, string[] roles, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await connection.QuerySingleAsync<UserRecord>(new CommandDefinition(
                $"""
                INSERT INTO users (user_name, display_name, password_hash, roles)
                VALUES (@userName, @displayName, @passwordHash, @roles)
                RETURNING {Columns}
                """,
                new { userName, displayName, passwordHash, roles },
                cancellationToken: cancellationToken));
        }
        catch (PostgresException exception) when (exception.IsUniqueViolation("users_user_name_key"))
        {
            return null;
        }
    }

    public async Task<UserRecord?> FindByUserNameAsync(string userName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE lower(user_name) = lower(@userName)",
            new { userName },
            cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Refuses every token of the user with <paramref name="role"/> named <paramref name="userName"/> issued until now:
    /// from the next whole second on, only tokens issued after it are valid. Returns the user's id, or null when there is none.
    /// </summary>
    public async Task<long?> RevokeTokensAsync(string userName, string role, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            """
            UPDATE users SET tokens_valid_after = date_trunc('second', now()) + interval '1 second'
            WHERE lower(user_name) = lower(@userName) AND @role = ANY (roles)
            RETURNING id
            """,
            new { userName, role },
            cancellationToken: cancellationToken));
    }

    /// <summary>Tokens of the user issued before this are revoked; null when none were (or there is no such user).</summary>
    public async Task<DateTimeOffset?> GetTokensValidAfterAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var validAfter = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT tokens_valid_after FROM users WHERE id = @userId", new { userId }, cancellationToken: cancellationToken));
        return validAfter is { } utc ? new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) : null;
    }

    public async Task UpdatePasswordHashAsync(long userId, string passwordHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET password_hash = @passwordHash WHERE id = @userId",
            new { userId, passwordHash },
            cancellationToken: cancellationToken));
    }

    /// <summary>The ids among <paramref name="userIds"/> that do not exist.</summary>
    public async Task<IReadOnlyList<long>> FindMissingAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var missing = await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT requested FROM unnest(@ids) AS requested WHERE NOT EXISTS (SELECT 1 FROM users WHERE id = requested)",
            new { ids = userIds.ToArray() },
            cancellationToken: cancellationToken));
        return missing.ToList();
    }

    public async Task<IReadOnlyList<PresenceInfo>> GetPresenceInfoAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, string DisplayName, DateTime? LastSeenAt)>(new CommandDefinition(
            "SELECT id, display_name, last_seen_at FROM users WHERE id = ANY(@ids) ORDER BY id",
            new { ids = userIds.ToArray() },
            cancellationToken: cancellationToken));
        return rows.Select(ToPresenceInfo).ToList();
    }

    private static PresenceInfo ToPresenceInfo((long Id, string DisplayName, DateTime? LastSeenAt) row) => new(
        row.Id, row.DisplayName, row.LastSeenAt is { } seen ? new DateTimeOffset(DateTime.SpecifyKind(seen, DateTimeKind.Utc)) : null);

    /// <summary>
    /// Records when users were last connected, in one statement, never moving a user's time back (a dead node's users are
    /// written when swept, with the time their node was last heard of); returns what presence shows of each of them (a
    /// user that does not exist is not in the result). Written through the writers' pool (<see cref="StorageExtensions.Writers"/>):
    /// <see cref="Presence.LastSeenWriter"/>'s loop is its only caller.
    /// </summary>
    public async Task<IReadOnlyList<PresenceInfo>> SetLastSeenAsync(IReadOnlyDictionary<long, DateTimeOffset> lastSeen, CancellationToken cancellationToken)
    {
        // Two nodes writing some of the same users must take their row locks in one order, or they can deadlock. The
        // UPDATE alone locks rows in whatever order its plan meets them (a row rewritten since lies after the others in a
        // scan), so the materialized locking SELECT takes them by ascending id first: its rows are sorted before
        // they are locked, and the UPDATE reaches a row only after the SELECT has yielded (and locked) it.
        var ids = lastSeen.Keys.Order().ToArray();
        var at = Array.ConvertAll(ids, id => lastSeen[id]);
        await using var connection = await writers.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, string DisplayName, DateTime? LastSeenAt)>(new CommandDefinition(
            """
            WITH locked AS MATERIALIZED (
                SELECT id FROM users WHERE id = ANY(@ids) ORDER BY id FOR NO KEY UPDATE)
            UPDATE users AS u SET last_seen_at = GREATEST(u.last_seen_at, seen.at)
            FROM locked JOIN unnest(@ids, @at) AS seen (id, at) ON seen.id = locked.id
            WHERE u.id = locked.id
            RETURNING u.id, u.display_name, u.last_seen_at
            """,
            new { ids, at },
            cancellationToken: cancellationToken));
        return rows.Select(ToPresenceInfo).ToList();
    }
}
