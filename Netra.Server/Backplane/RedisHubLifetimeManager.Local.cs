using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Netra.Server.Backplane;

/// <summary>Local side: writing an already serialized message to this node's connections.</summary>
internal sealed partial class RedisHubLifetimeManager<THub>
{
    private static Task WriteAsync(HubConnectionContext connection, RedisInvocation invocation) =>
        invocation.Excludes(connection.ConnectionId) ? Task.CompletedTask : connection.WriteAsync(invocation.Message).AsTask();

    private static Task WriteAsync(HubConnectionStore? store, RedisInvocation invocation)
    {
        if (store is null || store.Count == 0)
        {
            return Task.CompletedTask;
        }

        var writes = new List<Task>();
        foreach (var connection in store)
        {
            if (!invocation.Excludes(connection.ConnectionId))
            {
                writes.Add(connection.WriteAsync(invocation.Message).AsTask());
            }
        }

        return Task.WhenAll(writes);
    }

    /// <summary>Delivery without Redis (it is down): serialized lazily, once per protocol, for this node's connections.</summary>
    private static Task WriteAsync(HubConnectionStore? store, string methodName, object?[] args, IReadOnlyList<string>? excludedConnectionIds) =>
        WriteAsync(store, new RedisInvocation(new SerializedHubMessage(new InvocationMessage(methodName, args)), excludedConnectionIds ?? []));
}
