using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Netra.Server.Storage;

/// <summary>
/// Applies the embedded migrations in version order, each in its own transaction, while
/// holding a PostgreSQL advisory lock so that several nodes starting at once apply each
/// migration exactly once. A migration that was changed after it was applied stops start-up.
/// </summary>
internal sealed class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    // An arbitrary constant that names "Netra schema migrations" among advisory locks.
    private const long AdvisoryLockKey = 0x4E_45_54_52_41_4D_49_47; // "NETRAMIG"

    private static readonly Lazy<IReadOnlyList<Migration>> Embedded = new(LoadEmbedded);

    public static IReadOnlyList<Migration> All => Embedded.Value;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        StorageLog.WaitingForMigrationLock(logger);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey }, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer     PRIMARY KEY,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                cancellationToken: cancellationToken));

            var applied = (await connection.QueryAsync<(int Version, string Checksum)>(new CommandDefinition(
                "SELECT version, checksum FROM schema_migrations", cancellationToken: cancellationToken)))
                .ToDictionary(row => row.Version, row => row.Checksum);

            foreach (var migration in All)
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"Migration {migration.Version} ({migration.Name}) was changed after it was applied; add a new migration instead of editing an applied one.");
                    }

                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (@Version, @Name, @Checksum)",
                    migration, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                StorageLog.MigrationApplied(logger, migration.Version, migration.Name);
            }
        }
        finally
        {
            // Unlock on the same session; if the connection broke, the server releases the lock with it.
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey });
        }
    }

    private static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(Migrator).Assembly;
        const string prefix = "Netra.Server.Storage.Migrations.";
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(name => name.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var fileName = resource[prefix.Length..^".sql".Length];
            var separator = fileName.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(fileName[..separator], CultureInfo.InvariantCulture);
            var sql = Read(assembly, resource);
            var checksum = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));
            migrations.Add(new Migration(version, fileName[(separator + 1)..], sql, checksum));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new InvalidOperationException($"Two migrations have version {migrations[i].Version}.");
            }
        }

        return migrations;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
