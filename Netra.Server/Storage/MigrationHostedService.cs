using Microsoft.Extensions.Options;
using Npgsql;

namespace Netra.Server.Storage;

/// <summary>
/// Migrates the database before the server starts listening (hosted services start before
/// Kestrel). Waits for PostgreSQL up to <see cref="StorageOptions.StartupTimeoutSeconds"/>
/// so that a node started alongside its database does not fail at once.
/// </summary>
internal sealed class MigrationHostedService(Migrator migrator, IOptions<StorageOptions> options, ILogger<MigrationHostedService> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(options.Value.StartupTimeoutSeconds);
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await migrator.MigrateAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException exception) when (exception.IsTransient && DateTimeOffset.UtcNow < deadline)
            {
                // PostgreSQL is not reachable yet: retry until the deadline, then let start-up fail.
                StorageLog.DatabaseNotReady(logger, delay, exception);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
