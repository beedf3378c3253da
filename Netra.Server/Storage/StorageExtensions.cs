using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Netra.Server.Configuration;

namespace Netra.Server.Storage;

internal static class StorageExtensions
{
    /// <summary>
    /// The key of the data source that the group-commit loops write through: one connection per loop
    /// (<see cref="StorageOptions.WriterLoops"/>), apart from the pool that requests use. Npgsql hands out a pool's idle
    /// connections in turn, so a loop writing through the shared pool met a different server session each time, most of
    /// them cold (each with its own plans and caches to build); with a pool of its own each loop keeps its sessions warm.
    /// </summary>
    public const string Writers = "netra-writers";

    public static WebApplicationBuilder AddNetraStorage(this WebApplicationBuilder builder)
    {
        // Column names are snake_case; C# members are PascalCase.
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        builder.Services.AddValidatedOptions<StorageOptions>(StorageOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString ??= configuration.GetConnectionString("Postgres"));

        builder.Services.AddSingleton(services =>
            BuildDataSource(services.GetRequiredService<IOptions<StorageOptions>>().Value, services.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddKeyedSingleton(Writers, (services, _) =>
            BuildWritersDataSource(services.GetRequiredService<IOptions<StorageOptions>>().Value, services.GetRequiredService<ILoggerFactory>()));

        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddHostedService<MigrationHostedService>();
        return builder;
    }

    internal static NpgsqlDataSource BuildDataSource(StorageOptions options, ILoggerFactory loggerFactory) =>
        Configure(new NpgsqlDataSourceBuilder(options.ConnectionString), options, loggerFactory).Build();

    /// <summary>
    /// The writers' data source (<see cref="Writers"/>): the connection string's settings, but at most one connection per
    /// loop (and at least one), and an application name that tells its sessions apart in <c>pg_stat_activity</c>.
    /// </summary>
    internal static NpgsqlDataSource BuildWritersDataSource(StorageOptions options, ILoggerFactory loggerFactory)
    {
        var dataSource = new NpgsqlDataSourceBuilder(options.ConnectionString);
        var settings = dataSource.ConnectionStringBuilder;
        settings.MaxPoolSize = Math.Max(1, options.WriterLoops);
        settings.MinPoolSize = Math.Min(settings.MinPoolSize, settings.MaxPoolSize);
        settings.ApplicationName = $"{(string.IsNullOrEmpty(settings.ApplicationName) ? "netra" : settings.ApplicationName)} (writers)";
        dataSource.Name = Writers;
        return Configure(dataSource, options, loggerFactory).Build();
    }

    private static NpgsqlDataSourceBuilder Configure(NpgsqlDataSourceBuilder dataSource, StorageOptions options, ILoggerFactory loggerFactory)
    {
        // NpgsqlConnectionStringBuilder knows every keyword, set or not: read what the string itself says.
        var given = new DbConnectionStringBuilder { ConnectionString = options.ConnectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!given.Contains("MaxAutoPrepare"))
        {
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = options.MaxAutoPrepare;
        }

        // A pooled connection is otherwise reset each time it goes back to the pool: seven statements (RESET ALL,
        // CLOSE ALL, UNLISTEN *, ...) sent ahead of its next command, which PostgreSQL runs on every message stored.
        // Netra leaves no session state behind (transactions are committed or rolled back, the migration lock is
        // released), so there is nothing to reset.
        if (!given.Contains("NoResetOnClose"))
        {
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
        }

        dataSource.UseLoggerFactory(loggerFactory);
        return dataSource;
    }
}
