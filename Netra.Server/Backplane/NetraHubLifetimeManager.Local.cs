using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Backplane;

/// <summary>Local side: writing an already serialized message to this node's connections.</summary>
internal sealed partial class NetraHubLifetimeManager<THub>
{
    private static Task WriteAsync(HubConnectionContext connection, SerializedInvocation? invocation) =>
        invocation is null || invocation.Excludes(connection.ConnectionId) ? Task.CompletedTask : connection.WriteAsync(invocation.Message).AsTask();

    /// <summary>
    /// Writes to every connection of <paramref name="store"/>. For a group (<paramref name="groupName"/>), a
    /// durable event goes through each connection's cursor (<see cref="ConnectionGroupsFeature"/>): once, in seq order.
    /// </summary>
    private static Task WriteAsync(HubConnectionStore? store, SerializedInvocation? invocation, string? groupName = null)
    {
        if (store is null || store.Count == 0 || invocation is null)
        {
            return Task.CompletedTask;
        }

        // Most writes complete at once (the bytes go into the connection's pipe); only the others are waited for.
        List<Task>? pending = null;
        var sequenced = groupName is not null && invocation.Seq > 0;
        var excluding = invocation.ExcludedConnectionIds.Count > 0;
        foreach (var connection in store)
        {
            if (excluding && invocation.Excludes(connection.ConnectionId))
            {
                continue;
            }

            var write = sequenced && connection.Features.Get<ConnectionGroupsFeature>() is { } feature
                ? feature.SendAsync(groupName!, invocation)
                : connection.WriteAsync(invocation.Message).AsTask();
            if (!write.IsCompletedSuccessfully)
            {
                (pending ??= []).Add(write);
            }
        }

        return pending is null ? Task.CompletedTask : Task.WhenAll(pending);
    }

    private Task SendGroupAsync(string groupName, SerializedInvocation invocation, CancellationToken cancellationToken) =>
        PublishAsync(channels.Group(groupName), invocation, () => WriteAsync(groups.Get(groupName), invocation, groupName), cancellationToken);
}
