using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Netra.Server.Backplane;

namespace Netra.Tests.Infrastructure;

/// <summary>Nodes' Redis connections (<see cref="RedisConnection"/>, as the server makes them) for a test, closed by its <c>DisposeAsync</c>.</summary>
public sealed class RedisConnections
{
    private readonly List<RedisConnection> connections = [];

    /// <summary>
    /// A new connection, as a node's, to <paramref name="connectionString"/> (StackExchange.Redis options may follow the
    /// host), with the node's default backplane options unless <paramref name="backplane"/> is given.
    /// </summary>
    internal RedisConnection Create(string connectionString, BackplaneOptions? backplane = null)
    {
        var connection = new RedisConnection(
            Options.Create(new RedisConnectionSettings { ConnectionString = connectionString }),
            Options.Create(backplane ?? new BackplaneOptions()),
            NullLogger<RedisConnection>.Instance);
        connections.Add(connection);
        return connection;
    }

    public async Task CloseAllAsync()
    {
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }
}
