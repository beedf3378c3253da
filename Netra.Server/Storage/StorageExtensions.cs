using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Netra.Server.Configuration;

namespace Netra.Server.Storage;

internal static class StorageExtensions
{
    public static WebApplicationBuilder AddNetraStorage(this WebApplicationBuilder builder)
    {
        // Column names are snake_case; C# members are PascalCase.
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        builder.Services.AddValidatedOptions<StorageOptions>(StorageOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString ??= configuration.GetConnectionString("Postgres"));

        builder.Services.AddSingleton(services =>
            BuildDataSource(services.GetRequiredService<IOptions<StorageOptions>>().Value, services.GetRequiredService<ILoggerFactory>()));

        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddHostedService<MigrationHostedService>();
        return builder;
    }

    internal static NpgsqlDataSource BuildDataSource(StorageOptions options, ILoggerFactory loggerFactory)
    {
        var dataSource = new NpgsqlDataSourceBuilder(options.ConnectionString);
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
        return dataSource.Build();
    }
}
