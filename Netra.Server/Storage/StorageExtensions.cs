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
        {
            var options = services.GetRequiredService<IOptions<StorageOptions>>().Value;
            var dataSource = new NpgsqlDataSourceBuilder(options.ConnectionString);
            dataSource.UseLoggerFactory(services.GetRequiredService<ILoggerFactory>());
            return dataSource.Build();
        });

        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddHostedService<MigrationHostedService>();
        return builder;
    }
}
