using Dapper;
using Npgsql;
using Netra.Contracts.Notifications;
using Netra.Server.Notifications;
using Netra.Server.Storage;

namespace Netra.Server.Connections;

/// <summary>SQL for <c>connection_requests</c>; each change stores its notification in the same transaction.</summary>
internal sealed class ConnectionStore(NpgsqlDataSource dataSource)
{
    public const string Pending = "pending";
    public const string Accepted = "accepted";

    private const string Select =
        """
        SELECT r.id, r.from_user_id, f.display_name AS from_user_name, r.to_user_id, t.display_name AS to_user_name,
               r.status, r.created_at, r.accepted_at
        FROM connection_requests r JOIN users f ON f.id = r.from_user_id JOIN users t ON t.id = r.to_user_id
        """;

    /// <summary>Stores a pending request and the recipient's notification; null when the two users already have a request either way.</summary>
    public async Task<(ConnectionRequestRow Request, NotificationEvent Notification)?> CreateAsync(long fromUserId, long toUserId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long id;
        try
        {
            id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "INSERT INTO connection_requests (from_user_id, to_user_id) VALUES (@fromUserId, @toUserId) RETURNING id",
                new { fromUserId, toUserId }, transaction, cancellationToken: cancellationToken));
        }
        catch (PostgresException exception) when (exception.IsUniqueViolation("connection_requests_pair_key"))
        {
            return null;
        }

        var request = await GetAsync(connection, transaction, id, lockRow: false, cancellationToken);
        var notification = await NotificationStore.InsertAsync(
            connection, transaction, toUserId, NotificationTypes.ConnectionRequest,
            NotificationService.Data(new { requestId = id, fromUserId, fromUserName = request!.FromUserName }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (request, notification);
    }

    /// <summary>
    /// Accepts request <paramref name="id"/> when <paramref name="userId"/> is its recipient and it is pending.
    /// Returns the request as it was found (to tell why not) and, when accepted, the accepted row and the requester's notification.
    /// </summary>
    public async Task<(ConnectionRequestRow? Found, ConnectionRequestRow? Accepted, NotificationEvent? Notification)> AcceptAsync(
        long id, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var found = await GetAsync(connection, transaction, id, lockRow: true, cancellationToken);
        if (found is null || found.ToUserId != userId || found.Status != Pending)
        {
            return (found, null, null);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE connection_requests SET status = @Accepted, accepted_at = now() WHERE id = @id",
            new { id, Accepted }, transaction, cancellationToken: cancellationToken));
        var accepted = (await GetAsync(connection, transaction, id, lockRow: false, cancellationToken))!;
        var notification = await NotificationStore.InsertAsync(
            connection, transaction, accepted.FromUserId, NotificationTypes.ConnectionAccepted,
            NotificationService.Data(new { requestId = id, userId, userName = accepted.ToUserName }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (found, accepted, notification);
    }

    /// <summary>
    /// Declines request <paramref name="id"/> when <paramref name="userId"/> is its recipient and it is pending: the row
    /// is deleted (so either user may ask again later). Returns the request as it was found (to tell why not) and
    /// whether it was declined.
    /// </summary>
    public async Task<(ConnectionRequestRow? Found, bool Declined)> DeclineAsync(long id, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var found = await GetAsync(connection, transaction, id, lockRow: true, cancellationToken);
        if (found is null || found.ToUserId != userId || found.Status != Pending)
        {
            return (found, false);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM connection_requests WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (found, true);
    }

    /// <summary>Requests of <paramref name="status"/> that <paramref name="userId"/> received (<paramref name="incoming"/>), sent, or either (null).</summary>
    public async Task<IReadOnlyList<ConnectionRequestRow>> ListAsync(long userId, string status, bool? incoming, CancellationToken cancellationToken)
    {
        var who = incoming switch
        {
            true => "r.to_user_id = @userId",
            false => "r.from_user_id = @userId",
            null => "(r.to_user_id = @userId OR r.from_user_id = @userId)",
        };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ConnectionRequestRow>(new CommandDefinition(
            $"{Select} WHERE {who} AND r.status = @status ORDER BY r.id",
            new { userId, status }, cancellationToken: cancellationToken));
        return rows.ToList();
    }

    private static Task<ConnectionRequestRow?> GetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long id, bool lockRow, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<ConnectionRequestRow>(new CommandDefinition(
            $"{Select} WHERE r.id = @id{(lockRow ? " FOR UPDATE OF r" : "")}", new { id }, transaction, cancellationToken: cancellationToken));
}
