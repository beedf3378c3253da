using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using StackExchange.Redis;

namespace Netra.Server.Backplane;

/// <summary>Redis side: the bus, subscriptions, publishing, group commands and their acks.</summary>
internal sealed partial class NetraHubLifetimeManager<THub>
{
    private async Task<ISubscriber> EnsureBusAsync(CancellationToken cancellationToken)
    {
        if (busReady && bus is { } ready)
        {
            return ready;
        }

        await busGate.WaitAsync(cancellationToken);
        try
        {
            if (busReady && bus is not null)
            {
                return bus;
            }

            var multiplexer = await Redis.GetAsync(cancellationToken);
            bus = multiplexer.GetSubscriber();
            await SubscribeAsync(channels.All, data => IssueAsync(everyone, Received(data)), ChannelSubscription.MaxDeliveriesInFlight);
            await SubscribeAsync(channels.Users, data =>
            {
                var invocation = BackplaneMessages.ReadInvocation(data, Redis.ServerName, out var userId);
                return IssueAsync(invocation is null ? null : users.Get(userId), invocation);
            }, ChannelSubscription.MaxDeliveriesInFlight);
            await SubscribeAsync(channels.Connections, data =>
            {
                var invocation = BackplaneMessages.ReadInvocation(data, Redis.ServerName, out var connectionId);
                return IssuedSend.Of(invocation is not null && everyone.Find(connectionId) is { } member ? WriteAsync(member.Connection, invocation) : Task.CompletedTask);
            }, ChannelSubscription.MaxDeliveriesInFlight);
            // Group commands change state in steps that await: each runs alone, in order.
            await SubscribeAsync(channels.GroupManagement, data => IssuedSend.Of(OnGroupCommandAsync(BackplaneMessages.ReadGroupCommand(data))), maxInFlight: 1);
            await SubscribeAsync(channels.Ack(Redis.ServerName), data =>
            {
                acks.Acknowledge(BackplaneMessages.ReadAck(data));
                return IssuedSend.Of(Task.CompletedTask);
            }, maxInFlight: 1);
            // Only now may other callers skip the gate: the node hears "all" and group commands.
            busReady = true;
            return bus;
        }
        finally
        {
            busGate.Release();
        }
    }

    /// <summary>
    /// A group's channel takes the messages waiting in its queue together: runs that another node published one after the
    /// other, with consecutive seqs, go out joined, one write to each connection (a node catching up sends its backlog in
    /// one pass over the group's connections rather than one per message).
    /// </summary>
    private Task SubscribeGroupAsync(string groupName)
    {
        var channel = channels.Group(groupName);
        return SubscribeAsync(channel, backlog => IssueBacklogAsync(channel, groupName, backlog), ChannelSubscription.MaxDeliveriesInFlight, ChannelSubscription.MaxBacklog);
    }

    private Task UnsubscribeGroupAsync(string groupName) => UnsubscribeAsync(channels.Group(groupName));

    /// <summary>Listens to a channel whose messages are each delivered alone; <paramref name="maxInFlight"/> deliveries may still be writing while the next is issued (1: each awaited).</summary>
    private Task SubscribeAsync(string name, Func<byte[], ValueTask<Task>> deliver, int maxInFlight) =>
        SubscribeAsync(name, backlog => DeliverKnownFormat(name, backlog[0], deliver), maxInFlight, maxBacklog: 1);

    private async Task SubscribeAsync(string name, Func<IReadOnlyList<byte[]>, ValueTask<Task>> deliver, int maxInFlight, int maxBacklog)
    {
        if (redis is null)
        {
            return; // a single node: nothing to listen to
        }

        var subscription = new ChannelSubscription(name, deliver, maxInFlight, maxBacklog, logger);
        if (!subscriptions.TryAdd(name, subscription))
        {
            await subscription.DisposeAsync();
            return;
        }

        await TrySubscribeAsync(subscription);
    }

    /// <summary>
    /// Issues a group's waiting messages in order, consecutive runs joined (<see cref="SerializedInvocation.Join"/>, up to
    /// <see cref="SerializedInvocation.MaxJoinedBytes"/>). A message that cannot be read is logged and left out; the others
    /// still go.
    /// </summary>
    private ValueTask<Task> IssueBacklogAsync(string channel, string groupName, IReadOnlyList<byte[]> backlog)
    {
        if (backlog.Count > 1)
        {
            return IssueJoinedAsync(channel, groupName, backlog);
        }

        return ReadReceived(channel, backlog[0]) is { } invocation ? IssueAsync(groups.Get(groupName), invocation, groupName) : IssuedSend.Of(Task.CompletedTask);
    }

    private async ValueTask<Task> IssueJoinedAsync(string channel, string groupName, IReadOnlyList<byte[]> backlog)
    {
        List<Task>? pending = null;
        var joined = new List<SerializedInvocation>(backlog.Count);
        var joinedBytes = 0;
        foreach (var data in backlog)
        {
            if (ReadReceived(channel, data) is not { } invocation)
            {
                continue;
            }

            var bytes = invocation.WireLength;
            if (joined.Count > 0 && (!joined[^1].IsFollowedBy(invocation) || joinedBytes + bytes > SerializedInvocation.MaxJoinedBytes))
            {
                await IssueRunAsync();
                joinedBytes = 0;
            }

            joined.Add(invocation);
            joinedBytes += bytes;
        }

        await IssueRunAsync();
        return pending is null ? Task.CompletedTask : Task.WhenAll(pending);

        async ValueTask IssueRunAsync()
        {
            if (joined.Count == 0)
            {
                return;
            }

            if (joined.Count > 1)
            {
                metrics.BackplaneReceiveJoined(joined.Count - 1);
            }

            var writes = await IssueAsync(groups.Get(groupName), SerializedInvocation.Join(joined), groupName);
            joined.Clear();
            if (!writes.IsCompletedSuccessfully)
            {
                (pending ??= []).Add(writes);
            }
        }
    }

    /// <summary>Another node's invocation in <paramref name="data"/>; null for this node's own, and for one that cannot be read (logged).</summary>
    private SerializedInvocation? ReadReceived(string channel, byte[] data)
    {
        try
        {
            return Received(data);
        }
        catch (BackplaneFormatException exception)
        {
            DroppedForeignFormat(channel, exception);
            return null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A bad message must not hold back the ones taken with it (the pump logs a single one's failure likewise).
            BackplaneLog.ReceiveFailed(logger, channel, exception);
            return null;
        }
    }

    /// <summary>
    /// Delivers a message; one of another backplane format (a node of another version, in a rolling upgrade) is
    /// dropped, and said once per format rather than as an error per message.
    /// </summary>
    private ValueTask<Task> DeliverKnownFormat(string channel, byte[] data, Func<byte[], ValueTask<Task>> deliver)
    {
        try
        {
            return deliver(data);
        }
        catch (BackplaneFormatException exception)
        {
            DroppedForeignFormat(channel, exception);
            return IssuedSend.Of(Task.CompletedTask);
        }
    }

    private void DroppedForeignFormat(string channel, BackplaneFormatException exception)
    {
        if (foreignFormats.TryAdd(exception.Version, 0))
        {
            BackplaneLog.ForeignFormat(logger, exception.Version, channel, BackplaneMessages.FormatVersion);
        }

        metrics.BackplaneReceiveDropped();
    }

    private async Task TrySubscribeAsync(ChannelSubscription subscription)
    {
        var subscriber = bus ?? throw new InvalidOperationException("The backplane bus is not set up.");
        if (await subscription.StartAsync(subscriber))
        {
            BackplaneLog.Subscribed(logger, subscription.Name);
        }
        else
        {
            // The connection is served locally meanwhile; its cross-node delivery starts once Redis is back.
            BackplaneLog.SubscribePending(logger, subscription.Name);
        }
    }

    private async Task UnsubscribeAsync(string name)
    {
        if (!subscriptions.TryRemove(name, out var subscription))
        {
            return;
        }

        try
        {
            await subscription.UnsubscribeAsync();
            BackplaneLog.Unsubscribed(logger, name);
        }
        catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException or TimeoutException)
        {
            // Redis is down: it forgets this connection's subscriptions anyway; the pump stops without the queue's rest.
            BackplaneLog.UnsubscribeFailed(logger, name, exception);
        }
        finally
        {
            await subscription.DisposeAsync();
        }
    }

    /// <summary>An invocation another node published (null for this node's own: its connections have it already).</summary>
    private SerializedInvocation? Received(byte[] data) => BackplaneMessages.ReadInvocation(data, Redis.ServerName);

    /// <summary>
    /// Publishes an invocation for the other nodes, then issues it to this node's connections
    /// (<paramref name="issueLocally"/>), so that the other nodes' connections get it while this node writes to its own
    /// rather than after. While the bus is still being set up, the local writes go first and do not wait for it. The send
    /// is issued when the local writes are, and does not wait for Redis to confirm the publish: the multiplexer writes
    /// publishes in the order issued, and one that fails is logged and counted. When Redis cannot take it, this node's
    /// connections have it and the other nodes miss it. Once the publish is handed to Redis's writer, the thread gives up the
    /// core once (<see cref="BackplaneOptions.YieldAfterPublish"/>) so that the writer sends it before these writes.
    /// </summary>
    private async ValueTask<Task> PublishAsync(string channel, SerializedInvocation invocation, Func<ValueTask<Task>> issueLocally, CancellationToken cancellationToken, string target = "")
    {
        if (redis is null)
        {
            return await issueLocally();
        }

        var early = busReady ? null : issueLocally().AsTask();
        Task writes;
        try
        {
            await PublishToOtherNodesAsync(channel, invocation, target, cancellationToken);
        }
        finally
        {
            writes = early is null ? await issueLocally() : await early;
        }

        return writes;
    }

    private async Task PublishToOtherNodesAsync(string channel, SerializedInvocation invocation, string target, CancellationToken cancellationToken)
    {
        try
        {
            var subscriber = await EnsureBusAsync(cancellationToken);
            if (!subscriber.Multiplexer.IsConnected)
            {
                BackplaneLog.PublishedLocallyOnly(logger, channel, null);
                metrics.BackplanePublishFailed();
                return;
            }

            var payload = BackplaneMessages.WriteInvocation(Redis.ServerName, invocation, protocols, target);
            _ = ObservePublishAsync(channel, Stopwatch.GetTimestamp(), subscriber.PublishAsync(new RedisChannel(channel, RedisChannel.PatternMode.Literal), payload));
            if (yieldAfterPublish)
            {
                // The publish waits in the writer thread's queue until that thread gets the core; on a shared core it would
                // get it once this thread had written to all of this node's connections (BackplaneOptions.YieldAfterPublish).
                Thread.Yield();
            }
        }
        catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException or TimeoutException)
        {
            BackplaneLog.PublishedLocallyOnly(logger, channel, exception);
            metrics.BackplanePublishFailed();
        }
    }

    private async Task ObservePublishAsync(string channel, long started, Task<long> publish)
    {
        try
        {
            await publish;
            metrics.BackplanePublished(Stopwatch.GetElapsedTime(started));
        }
        catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException or TimeoutException)
        {
            BackplaneLog.PublishedLocallyOnly(logger, channel, exception);
            metrics.BackplanePublishFailed();
        }
    }

    private async Task SendGroupCommandAsync(GroupAction action, string connectionId, string groupName, CancellationToken cancellationToken)
    {
        if (redis is null)
        {
            return; // a single node does not hold that connection, so nobody does (SignalR's default manager ignores it too)
        }

        var subscriber = await EnsureBusAsync(cancellationToken);
        var (id, acknowledged) = acks.Create();
        try
        {
            var command = new GroupCommand(id, Redis.ServerName, action, connectionId, groupName);
            await subscriber.PublishAsync(new RedisChannel(channels.GroupManagement, RedisChannel.PatternMode.Literal), BackplaneMessages.WriteGroupCommand(command));
            await acknowledged.WaitAsync(ackTimeout, cancellationToken);
        }
        catch (TimeoutException exception)
        {
            BackplaneLog.AckTimedOut(logger, action, connectionId, groupName, (int)ackTimeout.TotalSeconds);
            throw new TimeoutException(
                $"{action} of connection '{connectionId}' to group '{groupName}' was not acknowledged within {ackTimeout.TotalSeconds:0} s: " +
                "no node holds that connection, or Redis or the connection's node is unreachable.",
                exception);
        }
        finally
        {
            acks.Forget(id);
        }
    }

    private async Task OnGroupCommandAsync(GroupCommand command)
    {
        if (everyone.Find(command.ConnectionId) is not { } member)
        {
            return; // another node's connection (or nobody's): that node answers
        }

        if (command.Action == GroupAction.Add)
        {
            await AddToLocalGroupAsync(member, command.GroupName);
        }
        else
        {
            await RemoveFromLocalGroupAsync(member, command.GroupName);
        }

        try
        {
            await bus!.PublishAsync(new RedisChannel(channels.Ack(command.ServerName), RedisChannel.PatternMode.Literal), BackplaneMessages.WriteAck(command.Id));
        }
        catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException or TimeoutException)
        {
            // The requester times out and reports it; the group change itself is done.
            BackplaneLog.AckFailed(logger, command.Id, command.ServerName, exception);
        }
    }

    private async Task AddToLocalGroupAsync(ConnectionGroupsFeature member, string groupName)
    {
        if (member.TryAddGroup(groupName))
        {
            await groups.AddAsync(groupName, member, SubscribeGroupAsync);
        }
    }

    private async Task RemoveFromLocalGroupAsync(ConnectionGroupsFeature member, string groupName)
    {
        if (member.TryRemoveGroup(groupName))
        {
            await groups.RemoveAsync(groupName, member, UnsubscribeGroupAsync);
        }
    }
}
