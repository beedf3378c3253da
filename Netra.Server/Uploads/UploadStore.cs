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

    /// <summary>The stored file's content type; null when there is no such upload.</summary>
    public async Task<string?> FindContentTypeAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT content_type FROM uploads WHERE name = @name", new { name }, cancellationToken: cancellationToken));
    }

    public async Task<bool> IsOwnerAsync(string name, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM uploads WHERE name = @name AND owner_id = @userId)", new { name, userId }, cancellationToken: cancellationToken));
    }
}
