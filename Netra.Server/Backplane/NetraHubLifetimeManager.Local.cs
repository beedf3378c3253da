using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Backplane;

/// <summary>
/// Local side: writing an already serialized message to this node's connections, in two steps. A send is
/// issued (every connection has the bytes in its pipe, or queued behind its earlier writes, in order), and its
/// writes complete once every connection has taken them. The first step is what orders sends; the second is
/// what waits on slow readers, and callers bound how many of those they let pile up.
/// </summary>
internal sealed partial class NetraHubLifetimeManager<THub>
{
    /// <summary>
    /// Connections a send writes to before it lets queued work run (it goes on from the back of the thread pool's
    /// queue). A write only puts the bytes in the connection's pipe; the transport sends them from a thread-pool work
    /// item that the write queues. Written in one go, a broadcast to 1,000 connections queued 1,000 sends that all
    /// waited for the whole loop, so the first member got the message only once the last was written, and socket
    /// reads and database replies waited behind it too. In turns, one turn's sends go out while the next is written
    /// (docs/benchmarks.md has what it did to the fan-out figures).
    /// </summary>
    internal const int WritesPerTurn = 64;

    private static Task WriteAsync(HubConnectionContext connection, SerializedInvocation? invocation) =>
        invocation is null || invocation.Excludes(connection.ConnectionId) ? Task.CompletedTask : connection.WriteAsync(invocation.Message).AsTask();

    /// <summary>
    /// Issues to every connection of <paramref name="store"/>, <see cref="WritesPerTurn"/> at a time. For a group
    /// (<paramref name="groupName"/>), a durable event goes through each connection's cursor
    /// (<see cref="ConnectionGroupsFeature"/>): once, in seq order. Returns the writes that did not complete at once.
    /// </summary>
    private static async ValueTask<Task> IssueAsync(LocalMembers? store, SerializedInvocation? invocation, string? groupName = null)
    {
        if (store is null || store.Count == 0 || invocation is null)
        {
            return Task.CompletedTask;
        }

        // Most writes complete at once (the bytes go into the connection's pipe); only the others are waited for.
        List<Task>? pending = null;
        var sequenced = groupName is not null && invocation.Seq > 0;
        var excluding = invocation.ExcludedConnectionIds.Count > 0;
        var turn = 0;
        foreach (var member in store)
        {
            var connection = member.Connection;
            if (excluding && invocation.Excludes(connection.ConnectionId))
            {
                continue;
            }

            if (++turn > WritesPerTurn)
            {
                turn = 1;
                await Task.Yield();
            }

            var write = sequenced ? member.SendAsync(groupName!, invocation) : connection.WriteAsync(invocation.Message).AsTask();
            if (!write.IsCompletedSuccessfully)
            {
                (pending ??= []).Add(write);
            }
        }

        return pending is null ? Task.CompletedTask : Task.WhenAll(pending);
    }

    private ValueTask<Task> IssueGroupAsync(string groupName, SerializedInvocation invocation, CancellationToken cancellationToken) =>
        PublishAsync(channels.Group(groupName), invocation, () => IssueAsync(groups.Get(groupName), invocation, groupName), cancellationToken);
}
