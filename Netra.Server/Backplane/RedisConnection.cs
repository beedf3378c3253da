using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Netra.Server.Backplane;

/// <summary>
/// The node's one <see cref="ConnectionMultiplexer"/>, connected on first use with
/// <c>AbortOnConnectFail = false</c>: a node starts (and serves its own clients) while Redis is
/// down, and StackExchange.Redis keeps reconnecting in the background.
/// </summary>
internal sealed class RedisConnection(IOptions<RedisConnectionSettings> settings, ILogger<RedisConnection> logger) : IAsyncDisposable
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
            var endpoints = string.Join(",", options.EndPoints);
            BackplaneLog.Connecting(logger, endpoints, ServerName);

            var created = await ConnectionMultiplexer.ConnectAsync(options);
            created.ConnectionFailed += (_, e) => BackplaneLog.ConnectionFailed(logger, e.ConnectionType, e.EndPoint, e.FailureType, e.Exception);
            created.ConnectionRestored += (_, e) => BackplaneLog.ConnectionRestored(logger, e.ConnectionType, e.EndPoint);
            created.ErrorMessage += (_, e) => BackplaneLog.RedisErrorMessage(logger, e.Message, e.EndPoint);
            created.InternalError += (_, e) => BackplaneLog.RedisInternalError(logger, e.Origin, e.Exception);
            BackplaneLog.Connected(logger, created.IsConnected);
            multiplexer = created;
            return created;
        }
        finally
        {
            gate.Release();
        }
    }

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
