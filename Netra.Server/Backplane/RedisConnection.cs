using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Netra.Server.Backplane;

/// <summary>
/// The node's one <see cref="ConnectionMultiplexer"/>, connected on first use with
/// <c>AbortOnConnectFail = false</c>: a node starts (and serves its own clients) while Redis is
/// down, and StackExchange.Redis keeps reconnecting in the background.
/// </summary>
internal sealed class RedisConnection(
    IOptions<RedisConnectionSettings> settings,
    IOptions<BackplaneOptions> backplane,
    ILogger<RedisConnection> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private ConnectionMultiplexer? multiplexer;

    /// <summary>Unique per process: names this node's ack channel.</summary>
    public string ServerName { get; } = $"{Environment.MachineName}_{Guid.NewGuid():N}";

    public async Task<ConnectionMultiplexer> GetAsync(CancellationToken cancellationToken)
    {
        if (multiplexer is { } connected)
        {
            return connected;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            if (multiplexer is not null)
            {
                return multiplexer;
            }

            var options = ConfigurationOptions.Parse(settings.Value.ConnectionString);
            options.AbortOnConnectFail = false;
            // While Redis is unreachable a command fails at once rather than waiting in the client's backlog for the
            // connection (2.x and newer's default): the callers fall back to serving locally and log it, and a
            // connect or a send does not stall for the async timeout on every Redis call it makes.
            options.BacklogPolicy = BacklogPolicy.FailFast;
            options.ClientName ??= "netra";
            if (backplane.Value.DedicatedConnection)
            {
                UseDedicatedConnection(options);
            }

            var endpoints = string.Join(",", options.EndPoints);
            BackplaneLog.Connecting(logger, endpoints, ServerName);

            var created = await ConnectionMultiplexer.ConnectAsync(options);
            created.ConnectionFailed += (_, e) => BackplaneLog.ConnectionFailed(logger, e.ConnectionType, e.EndPoint, e.FailureType, e.Exception);
            created.ConnectionRestored += (_, e) => BackplaneLog.ConnectionRestored(logger, e.ConnectionType, e.EndPoint);
            created.ErrorMessage += (_, e) => BackplaneLog.RedisErrorMessage(logger, e.Message, e.EndPoint);
            created.InternalError += (_, e) => BackplaneLog.RedisInternalError(logger, e.Origin, e.Exception);
            var connection = Describe(created, options);
            BackplaneLog.Connected(logger, created.IsConnected, connection);

            multiplexer = created;
            return created;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// One connection for commands and pub/sub (RESP3, StackExchange.Redis's default protocol on Redis 6 and newer, lets
    /// them share it), read and written by a thread each that StackExchange.Redis owns (its <c>DedicatedThreads</c>
    /// feature, which applies to the whole process). A message another node publishes then wakes this node's reader
    /// thread straight from the socket, which hands it to the channel's pump, instead of going through the socket
    /// engine's thread and a pool worker that takes turns on the core with the node's own socket writes; a PUBLISH leaves
    /// on the writer thread likewise. Those waits were most of what the hop through Redis added at p99 when the nodes
    /// share a busy core (docs/benchmarks.md). Under RESP2 (an older Redis, or <c>protocol=resp2</c> in the connection
    /// string) pub/sub keeps a connection of its own, read by the pool.
    /// </summary>
    private static void UseDedicatedConnection(ConfigurationOptions options)
    {
        ConnectionMultiplexer.SetFeatureFlag("DedicatedThreads", true);
        options.SharedSubscriptionConnection = true;
    }

    /// <summary>What the connection ended up as, for the log: per server, the protocol it speaks and whether pub/sub shares the connection (only RESP3 lets it).</summary>
    private static string Describe(ConnectionMultiplexer multiplexer, ConfigurationOptions options) =>
        string.Join("; ", multiplexer.GetServers().Select(server => !server.IsConnected
            ? $"{server.EndPoint} not connected yet"
            : server.Protocol == RedisProtocol.Resp3 && options.SharedSubscriptionConnection
                ? $"{server.EndPoint} {server.Protocol}, pub/sub on the command connection"
                : $"{server.EndPoint} {server.Protocol}, pub/sub on a connection of its own"));

    public async ValueTask DisposeAsync()
    {
        if (multiplexer is { } connected)
        {
            await connected.CloseAsync(allowCommandsToComplete: false);
            connected.Dispose();
        }

        gate.Dispose();
    }
}
