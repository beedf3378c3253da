using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Uploads;

/// <summary>
/// One node whose uploads go to a temp folder of their own, with a 64 KiB file limit, 128 KiB unattached per user and
/// 192 KiB per user a day.
/// </summary>
public sealed class UploadsFixture : IAsyncLifetime
{
    public const int MaxBytes = 64 * 1024;

    public const int MaxUnattachedBytesPerUser = 2 * MaxBytes;

    public const int MaxBytesPerUserPerDay = 3 * MaxBytes;

    private NetraTestServer? server;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "netra-uploads-" + Guid.NewGuid().ToString("N"));

    public NetraTestServer Server => server ?? throw new InvalidOperationException("The server has not started.");

    public NetraApi Api => new(Server);

    public async Task InitializeAsync()
    {
        var postgres = await PostgresServer.SharedAsync();
        var database = await postgres.CreateDatabaseAsync();
        server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?>
        {
            ["Netra:Uploads:Directory"] = Directory,
            ["Netra:Uploads:MaxBytes"] = MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Netra:Uploads:MaxUnattachedBytesPerUser"] = MaxUnattachedBytesPerUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Netra:Uploads:MaxBytesPerUserPerDay"] = MaxBytesPerUserPerDay.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
