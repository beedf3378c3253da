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
        var given = new DbConnectionStringBuilder { ConnectionString = options.ConnectionString };
        if (!given.Keys.Cast<string>().Any(key => key.Replace(" ", "", StringComparison.Ordinal).Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)))
        {
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = options.MaxAutoPrepare;
        }

        dataSource.UseLoggerFactory(loggerFactory);
        return dataSource.Build();
    }
}
