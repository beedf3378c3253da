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
    /// Bytes of <paramref name="ownerId"/>'s uploads that no live message carries, and of those uploaded within
    /// <paramref name="recent"/>.
    /// </summary>
    public async Task<(long Unattached, long Recent)> BytesHeldAsync(long ownerId, TimeSpan recent, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<(long, long)>(new CommandDefinition(
            """
            SELECT COALESCE(SUM(x.size_bytes) FILTER (
                       WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.attachment = @prefix || x.name AND m.deleted_at IS NULL)), 0)::bigint,
                   COALESCE(SUM(x.size_bytes) FILTER (WHERE x.created_at > now() - @recent), 0)::bigint
            FROM uploads x
            WHERE x.owner_id = @ownerId
            """,
            new { ownerId, recent, prefix = UploadService.RoutePrefix }, cancellationToken: cancellationToken));
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
