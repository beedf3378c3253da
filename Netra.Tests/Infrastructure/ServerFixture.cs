using Xunit;

namespace Netra.Tests.Infrastructure;

/// <summary>One Netra node with a fresh database, shared by the tests of one class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private NetraTestServer? server;

    public NetraTestServer Server => server ?? throw new InvalidOperationException("The server has not started.");

    public NetraApi Api => new(Server);

    public async Task InitializeAsync()
    {
        var postgres = await PostgresServer.SharedAsync();
        var database = await postgres.CreateDatabaseAsync();
        server = await NetraTestServer.StartAsync(database);
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
