using Dapper;
using Npgsql;

namespace Netra.Server.Uploads;

/// <summary>SQL for <c>uploads</c>: who owns which stored file and what it is.</summary>
internal sealed class UploadStore(NpgsqlDataSource dataSource)
{
    public async Task InsertAsync(string name, long ownerId, string contentType, long sizeBytes, string originalName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO uploads (name, owner_id, content_type, size_bytes, original_name) VALUES (@name, @ownerId, @contentType, @sizeBytes, @originalName)",
            new { name, ownerId, contentType, sizeBytes, originalName }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Reserves <paramref name="bytes"/> for an upload of <paramref name="ownerId"/> until <paramref name="holdFor"/> has
    /// passed, if <paramref name="fits"/> says so of what they hold and have reserved. One owner's reservations are made
    /// one at a time on every node (their user row is locked for it), so each sees the ones made before it.
    /// </summary>
    public async Task<(UploadsHeld Held, long? ReservationId)> TryReserveAsync(
        long ownerId, long bytes, TimeSpan holdFor, Func<UploadsHeld, bool> fits, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A statement of its own: the next one then reads what reservations committed while this one waited.
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM users WHERE id = @ownerId FOR NO KEY UPDATE", new { ownerId }, transaction, cancellationToken: cancellationToken));
        var (unattached, lastDay, inProgress) = await connection.QuerySingleAsync<(long, long, long)>(new CommandDefinition(
            """
            SELECT COALESCE(SUM(x.size_bytes) FILTER (
                       WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.attachment = @prefix || x.name AND m.deleted_at IS NULL)), 0)::bigint AS unattached,
                   COALESCE(SUM(x.size_bytes) FILTER (WHERE x.created_at > now() - interval '1 day'), 0)::bigint AS last_day,
                   (SELECT COALESCE(SUM(r.bytes), 0)::bigint FROM upload_reservations r WHERE r.owner_id = @ownerId AND r.expires_at > now()) AS in_progress
            FROM uploads x
            WHERE x.owner_id = @ownerId
            """,
            new { ownerId, prefix = UploadService.RoutePrefix }, transaction, cancellationToken: cancellationToken));
        var held = new UploadsHeld(unattached, lastDay, inProgress);
        if (!fits(held))
        {
            return (held, null);
        }

        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "INSERT INTO upload_reservations (owner_id, bytes, expires_at) VALUES (@ownerId, @bytes, now() + @holdFor) RETURNING id",
            new { ownerId, bytes, holdFor }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (held, id);
    }

    public async Task ReleaseAsync(long reservationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM upload_reservations WHERE id = @reservationId", new { reservationId }, cancellationToken: cancellationToken));
    }

    /// <summary>Deletes the reservations that no longer count (left by a node that stopped mid-upload); returns how many.</summary>
    public async Task<int> DeleteExpiredReservationsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM upload_reservations WHERE expires_at <= now()", cancellationToken: cancellationToken));
    }

    /// <summary>The stored file's content type; null when there is no such upload.</summary>
    public async Task<string?> FindContentTypeAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT content_type FROM uploads WHERE name = @name", new { name }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// True when <paramref name="userId"/> owns the upload; marks it as just offered as an attachment, so that the
    /// sweep leaves it alone while the message that carries it is being stored.
    /// </summary>
    public async Task<bool> TryUseAsync(string name, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE uploads SET last_used_at = now() WHERE name = @name AND owner_id = @userId", new { name, userId }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Those of <paramref name="names"/> that have a record.</summary>
    public async Task<IReadOnlySet<string>> FindRecordedAsync(string[] names, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var recorded = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT name FROM uploads WHERE name = ANY(@names)", new { names }, cancellationToken: cancellationToken));
        return recorded.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Deletes the records of at most <paramref name="limit"/> uploads that no live message carries and that were
    /// neither uploaded nor offered as an attachment within <paramref name="unattachedFor"/>; returns their names.
    /// </summary>
    /// <remarks>
    /// The age is checked again on each row as it is deleted: an upload offered as an attachment meanwhile (its
    /// <c>last_used_at</c> just set by <see cref="TryUseAsync"/>) stays, and the message then carries it.
    /// </remarks>
    public async Task<IReadOnlyList<string>> DeleteUnattachedAsync(TimeSpan unattachedFor, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var names = await connection.QueryAsync<string>(new CommandDefinition(
            $"""
            DELETE FROM uploads u
            WHERE u.name IN (
                    SELECT x.name FROM uploads x
                    WHERE {Stale("x")}
                      AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.attachment = @prefix || x.name AND m.deleted_at IS NULL)
                    LIMIT @limit)
              AND {Stale("u")}
            RETURNING u.name
            """,
            new { unattachedFor, limit, prefix = UploadService.RoutePrefix }, cancellationToken: cancellationToken));
        return names.ToList();

        static string Stale(string upload) => $"COALESCE({upload}.last_used_at, {upload}.created_at) < now() - @unattachedFor";
    }
}

/// <summary>
/// Bytes of an owner's uploads that no live message carries, of those uploaded in the last 24 hours, and reserved by
/// their uploads in progress.
/// </summary>
internal readonly record struct UploadsHeld(long Unattached, long LastDay, long InProgress);
