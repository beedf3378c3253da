using System.Text.Json;
using Dapper;
using Npgsql;
using Netra.Contracts.Notifications;

namespace Netra.Server.Notifications;

/// <summary>SQL for <c>notifications</c>.</summary>
internal sealed class NotificationStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, type, data::text AS data, is_read, created_at";

    /// <summary>Stores a notification in <paramref name="transaction"/>, so that it commits with the write it is about.</summary>
    public static async Task<NotificationEvent> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, long userId, string type, JsonElement data, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleAsync<Row>(new CommandDefinition(
            $"INSERT INTO notifications (user_id, type, data) VALUES (@userId, @type, @data::jsonb) RETURNING {Columns}",
            new { userId, type, data = data.GetRawText() }, transaction, cancellationToken: cancellationToken));
        return row.ToEvent();
    }

    public async Task<NotificationEvent> InsertAsync(long userId, string type, JsonElement data, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await InsertAsync(connection, null, userId, type, data, cancellationToken);
    }

    /// <summary>The user's notifications with id &lt; <paramref name="beforeId"/>, newest first.</summary>
    public async Task<IReadOnlyList<NotificationEvent>> ListAsync(long userId, bool unreadOnly, long beforeId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM notifications
            WHERE user_id = @userId AND id < @beforeId AND (NOT @unreadOnly OR NOT is_read)
            ORDER BY id DESC
            LIMIT @limit
            """,
            new { userId, unreadOnly, beforeId, limit }, cancellationToken: cancellationToken));
        return rows.Select(row => row.ToEvent()).ToList();
    }

    /// <summary>Marks one of the user's notifications read; null when the user has no notification with that id.</summary>
    public async Task<NotificationEvent?> MarkReadAsync(long userId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"UPDATE notifications SET is_read = true WHERE id = @id AND user_id = @userId RETURNING {Columns}",
            new { userId, id }, cancellationToken: cancellationToken));
        return row?.ToEvent();
    }

    /// <summary>Marks all of the user's notifications read; returns how many were unread.</summary>
    public async Task<int> MarkAllReadAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE notifications SET is_read = true WHERE user_id = @userId AND NOT is_read",
            new { userId }, cancellationToken: cancellationToken));
    }

    private sealed class Row
    {
        public long Id { get; init; }

        public string Type { get; init; } = "";

        public string Data { get; init; } = "{}";

        public bool IsRead { get; init; }

        public DateTime CreatedAt { get; init; }

        public NotificationEvent ToEvent()
        {
            using var document = JsonDocument.Parse(Data);
            return new NotificationEvent(Id, Type, document.RootElement.Clone(), IsRead, new DateTimeOffset(DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc)));
        }
    }
}
