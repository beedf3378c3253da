using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using Netra.Contracts.Realtime;
using Netra.Server.Metrics;
using Netra.Server.Realtime;
using StackExchange.Redis;

namespace Netra.Server.Backplane;

/// <summary>
/// Netra's <see cref="HubLifetimeManager{THub}"/>, on every node. Scaled out (with a
/// <see cref="RedisConnection"/>) it works over Redis pub/sub, shaped like the official
/// <c>Microsoft.AspNetCore.SignalR.StackExchangeRedis</c> manager (which cannot be restored here):
/// local connections live in <see cref="LocalMembers"/> (all of them, and those of each group and user), each with its
/// <see cref="ConnectionGroupsFeature"/>;
/// every send to all, a group or a user is written to this node's connections at once, then
/// serialized once per hub protocol and published; every other node delivers it to its own
/// connections from its subscription (the sender's node skips its own, which it delivered already).
/// Sends to a user, and to one connection another node holds, go on node-wide channels (the message names its
/// target), so that connections and users need no subscription of their own. A send to one connection that is
/// local skips Redis. While Redis is unreachable, sends reach this
/// node's connections only, and that is logged. Without Redis it is a single node that delivers locally.
/// Either way, group delivery of durable events passes each connection's catch-up cursor
/// (<see cref="ConnectionGroupsFeature"/>), which is what makes a resume exactly-once.
/// </summary>
/// <remarks>
/// Client results (<see cref="InvokeConnectionAsync{T}"/>) are not supported: they throw
/// <see cref="NotSupportedException"/>. Netra's hub never asks a client for a result.
/// </remarks>
internal sealed partial class NetraHubLifetimeManager<THub> : HubLifetimeManager<THub>, IGroupRunSender, IAsyncDisposable
    where THub : Hub
{
    private readonly LocalMembers everyone = LocalMembers.Shared();
    private readonly LocalSubscriptions groups = new();
    private readonly LocalSubscriptions users = new();
    private readonly ConcurrentDictionary<string, ChannelSubscription> subscriptions = new(StringComparer.Ordinal);
    private readonly AckHandler acks = new();
    private readonly ConcurrentDictionary<byte, byte> foreignFormats = new();
    private readonly SemaphoreSlim busGate = new(1, 1);
    private readonly RedisConnection? redis;
    private readonly TimeProvider time;
    private readonly TimeSpan orderingWindow;
    private readonly RedisChannels channels;
    private readonly IReadOnlyList<IHubProtocol> protocols;
    private readonly TimeSpan ackTimeout;
    private readonly bool yieldAfterPublish;
    private readonly ILogger logger;
    private readonly NetraMetrics metrics;
    private ISubscriber? bus;
    private volatile bool busReady;

    public NetraHubLifetimeManager(
        IHubProtocolResolver protocolResolver,
        IOptions<BackplaneOptions> options,
        NetraMetrics metrics,
        ILogger<NetraHubLifetimeManager<THub>> logger,
        IOptions<RealtimeOptions> realtime,
        TimeProvider time,
        RedisConnection? redis = null)
    {
        this.time = time;
        orderingWindow = TimeSpan.FromMilliseconds(realtime.Value.OrderingWindowMs);
        this.metrics = metrics;
        this.redis = redis;
        this.logger = logger;
        channels = new RedisChannels(options.Value.ChannelPrefix, typeof(THub).FullName ?? typeof(THub).Name);
        protocols = protocolResolver.AllProtocols;
        ackTimeout = TimeSpan.FromSeconds(options.Value.AckTimeoutSeconds);
        yieldAfterPublish = options.Value.YieldAfterPublish;
    }

    internal RedisChannels Channels => channels;

    internal string ServerName => Redis.ServerName;

    /// <summary>Whether this node shares its sends with others through Redis.</summary>
    internal bool IsScaledOut => redis is not null;

    private RedisConnection Redis => redis ?? throw new InvalidOperationException("This node runs alone: no Redis connection is configured.");

    /// <summary>This node's open connections of signed-in users (for presence to write them again after a Redis failure).</summary>
    internal IReadOnlyList<(string ConnectionId, string UserId)> LocalUserConnections()
    {
        var open = new List<(string, string)>();
        foreach (var member in everyone)
        {
            var connection = member.Connection;
            if (connection.UserIdentifier is { } userId && !connection.ConnectionAborted.IsCancellationRequested)
            {
                open.Add((connection.ConnectionId, userId));
            }
        }

        return open;
    }

    /// <summary>This node's connections of one user, from the per-user store that <c>Clients.User</c> sends through.</summary>
    internal IReadOnlyList<string> LocalConnectionsOf(string userId) =>
        users.Get(userId) is { } members ? [.. members.Select(member => member.Connection.ConnectionId)] : [];

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        var member = new ConnectionGroupsFeature(connection, time, orderingWindow);
        connection.Features.Set(member);
        everyone.Add(member);
        if (redis is not null)
        {
            await EnsureBusAsync(CancellationToken.None);
        }

        if (connection.UserIdentifier is { } userId)
        {
            await users.AddAsync(userId, member);
        }
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        var member = connection.Features.Get<ConnectionGroupsFeature>(); // set first thing in OnConnectedAsync
        if (member is not null)
        {
            everyone.Remove(member);
        }

        if (member is null)
        {
            return;
        }

        if (connection.UserIdentifier is { } userId)
        {
            await users.RemoveAsync(userId, member);
        }

        foreach (var groupName in member.TakeGroups())
        {
            await groups.RemoveAsync(groupName, member, UnsubscribeGroupAsync);
        }
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendAllExceptAsync(methodName, args, [], cancellationToken);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        var invocation = SerializedInvocation.Of(methodName, args, excludedConnectionIds);
        return PublishAsync(channels.All, invocation, () => IssueAsync(everyone, invocation), cancellationToken).WrittenAsync();
    }

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        // A local connection is written directly: SignalR needs sticky sessions anyway, so it is here or nowhere else.
        return everyone.Find(connectionId) is { } member
            ? member.Connection.WriteAsync(new InvocationMessage(methodName, args), cancellationToken).AsTask()
            : PublishAsync(channels.Connections, SerializedInvocation.Of(methodName, args, null), () => IssuedSend.Of(Task.CompletedTask), cancellationToken, target: connectionId).WrittenAsync();
    }

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Task.WhenAll(connectionIds.Select(id => SendConnectionAsync(id, methodName, args, cancellationToken)));

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendGroupExceptAsync(groupName, methodName, args, [], cancellationToken);

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return IssueGroupAsync(groupName, SerializedInvocation.Of(methodName, args, excludedConnectionIds), cancellationToken).WrittenAsync();
    }

    /// <inheritdoc/>
    public ValueTask<Task> SendGroupRunAsync(string groupName, string methodName, IReadOnlyList<ISequencedEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return IssueGroupAsync(groupName, SerializedInvocation.Run(methodName, events, protocols), cancellationToken);
    }

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Task.WhenAll(groupNames.Select(name => SendGroupAsync(name, methodName, args, cancellationToken)));

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var invocation = SerializedInvocation.Of(methodName, args, null);
        return PublishAsync(channels.Users, invocation, () => IssueAsync(users.Get(userId), invocation), cancellationToken, target: userId).WrittenAsync();
    }

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Task.WhenAll(userIds.Select(id => SendUserAsync(id, methodName, args, cancellationToken)));

    public override async Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);
        if (everyone.Find(connectionId) is { } member)
        {
            await AddToLocalGroupAsync(member, groupName);
            return;
        }

        await SendGroupCommandAsync(GroupAction.Add, connectionId, groupName, cancellationToken);
    }

    public override async Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);
        if (everyone.Find(connectionId) is { } member)
        {
            await RemoveFromLocalGroupAsync(member, groupName);
            return;
        }

        await SendGroupCommandAsync(GroupAction.Remove, connectionId, groupName, cancellationToken);
    }

    /// <summary>
    /// Client results across nodes would need a result channel per node and the pending-invocation
    /// bookkeeping SignalR keeps internal; Netra's hub never asks a client for a result, so this
    /// backplane does not offer it (README, "Scale-out").
    /// </summary>
    public override Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Client results (InvokeConnectionAsync / ISingleClientProxy.InvokeAsync) are not supported by Netra's Redis backplane.");

    /// <inheritdoc cref="InvokeConnectionAsync{T}"/>
    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result) =>
        throw new NotSupportedException("Client results are not supported by Netra's Redis backplane, so no completion is expected from a client.");

    public async ValueTask DisposeAsync()
    {
        acks.CancelAll();
        foreach (var name in subscriptions.Keys)
        {
            if (subscriptions.TryRemove(name, out var subscription))
            {
                await subscription.DisposeAsync();
            }
        }

        busGate.Dispose();
        groups.Dispose();
        users.Dispose();
    }
}
