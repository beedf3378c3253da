using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace Netra.Server.Realtime;

/// <summary>
/// Connection middleware in front of the hub: closes a connection whose client has sent nothing (not even a
/// ping) for <see cref="RealtimeOptions.ClientTimeoutSeconds"/>. SignalR's own client timeout did not close a
/// bare WebSocket that completed the handshake and then went silent (issue 6), and a half-open TCP connection
/// (a dead network path) looks exactly like that; its groups, presence and connection-limit place are then
/// released by the normal disconnect path.
/// </summary>
internal sealed class ClientTimeoutGuard(IOptions<RealtimeOptions> options, TimeProvider time, ILogger<ClientTimeoutGuard> logger)
{
    /// <remarks>
    /// The wrapper returns the rest of the pipeline's task instead of awaiting it: it has nothing to do afterwards, and
    /// an awaiting lambda would keep its state machine (about 0.1 KiB) alive for the connection's whole life.
    /// </remarks>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => connection =>
    {
        var input = new ActivityPipeReader(connection.Transport.Input, time);
        connection.Transport = new DuplexPipe(input, connection.Transport.Output);
        var timeout = TimeSpan.FromSeconds(options.Value.ClientTimeoutSeconds);
        var closed = 0;
        connection.Features.Get<IConnectionHeartbeatFeature>()?.OnHeartbeat(_ =>
        {
            if (input.IdleFor > timeout && Interlocked.Exchange(ref closed, 1) == 0)
            {
                RealtimeLog.ClientTimedOut(logger, connection.ConnectionId, (int)timeout.TotalSeconds);
                connection.Abort(new ConnectionAbortedException($"The client sent nothing for {timeout.TotalSeconds:0} s (Netra:Realtime:ClientTimeoutSeconds)."));
            }
        }, connection);
        return next(connection);
    };
}
