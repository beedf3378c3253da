using System.Globalization;
using Microsoft.Extensions.Options;
using Netra.Contracts.Realtime;
using Netra.Server.Backplane;
using StackExchange.Redis;

namespace Netra.Server.Presence;

/// <summary>
/// Presence shared by every node, in Redis under <c>{prefix}:presence:</c>: per user a hash of their
/// connections (connection → node), the set of online users, their statuses, and per node the set of its
/// connections plus an <c>alive</c> key with a TTL that the node renews (<see cref="PresenceMonitor"/>). Every
/// change is one Lua script, so exactly one caller learns that a user came online or went offline.
/// </summary>
/// <remarks>
/// When Redis cannot answer, a change is logged and remembered as lost (<see cref="NeedsResync"/>); the
/// monitor then rewrites this node's connections from the hub's own connection store once Redis is back.
/// </remarks>
internal sealed class RedisPresenceStore(RedisConnection redis, IOptions<BackplaneOptions> backplane, IOptions<PresenceOptions> options, ILogger<RedisPresenceStore> logger)
    : IPresenceStore
{
    // Removes member "uid|conn" of a node; returns the uid when that was the user's last connection, else nil.
    private const string RemovePrelude = """
        local p = ARGV[1]
        local function remove(node, member)
          redis.call('SREM', p .. ':presence:node:' .. node .. ':conns', member)
          local sep = string.find(member, '|', 1, true)
          local uid, conn = string.sub(member, 1, sep - 1), string.sub(member, sep + 1)
          if redis.call('HDEL', p .. ':presence:user:' .. uid, conn) == 1 and redis.call('EXISTS', p .. ':presence:user:' .. uid) == 0 then
            redis.call('SREM', p .. ':presence:online', uid)
            redis.call('HDEL', p .. ':presence:status', uid)
            return uid
          end
          return nil
        end
        local function add(node, uid, conn)
          redis.call('SADD', p .. ':presence:node:' .. node .. ':conns', uid .. '|' .. conn)
          redis.call('HSET', p .. ':presence:user:' .. uid, conn, node)
          return redis.call('SADD', p .. ':presence:online', uid)
        end

        """;

    // ARGV = prefix, node, uid, conn. Returns 1 when the user came online. The node joins the swept nodes only
    // with its heartbeat, so a connection added before the first one is never taken for a dead node's.
    private const string AddScript = RemovePrelude + """
        return add(ARGV[2], ARGV[3], ARGV[4])
        """;

    // ARGV = prefix, node, uid, conn. Returns 1 when the user went offline.
    private const string RemoveScript = RemovePrelude + """
        if remove(ARGV[2], ARGV[3] .. '|' .. ARGV[4]) then return 1 end
        return 0
        """;

    // ARGV = prefix, uid, status. Returns 1 when changed, 0 when not, -1 when the user is not online.
    private const string StatusScript = """
        local p = ARGV[1]
        if redis.call('SISMEMBER', p .. ':presence:online', ARGV[2]) == 0 then return -1 end
        local previous = redis.call('HGET', p .. ':presence:status', ARGV[2]) or 'online'
        if ARGV[3] == 'online' then redis.call('HDEL', p .. ':presence:status', ARGV[2]) else redis.call('HSET', p .. ':presence:status', ARGV[2], ARGV[3]) end
        if previous == ARGV[3] then return 0 end
        return 1
        """;

    // ARGV = prefix, node, ttl ms. Renews the node's heartbeat; returns 1 when it was still alive, 0 when it had expired.
    private const string HeartbeatScript = """
        local p = ARGV[1]
        local alive = p .. ':presence:node:' .. ARGV[2] .. ':alive'
        local existed = redis.call('EXISTS', alive)
        redis.call('SET', alive, '1', 'PX', ARGV[3])
        redis.call('SADD', p .. ':presence:nodes', ARGV[2])
        return existed
        """;

    // ARGV = prefix, node, then uid, conn pairs: this node's connections. Makes Redis agree with them and returns
    // the changes as '+uid' (came online) and '-uid' (went offline).
    private const string ResyncScript = RemovePrelude + """
        local node = ARGV[2]
        local want = {}
        for i = 3, #ARGV, 2 do want[ARGV[i] .. '|' .. ARGV[i + 1]] = { ARGV[i], ARGV[i + 1] } end
        local changes = {}
        for _, member in ipairs(redis.call('SMEMBERS', p .. ':presence:node:' .. node .. ':conns')) do
          if not want[member] then
            local uid = remove(node, member)
            if uid then table.insert(changes, '-' .. uid) end
          end
        end
        for _, pair in pairs(want) do
          if add(node, pair[1], pair[2]) == 1 then table.insert(changes, '+' .. pair[1]) end
        end
        return changes
        """;

    // ARGV = prefix. Removes the connections of every node whose heartbeat expired; returns the users that went offline.
    private const string SweepScript = RemovePrelude + """
        local offline = {}
        for _, node in ipairs(redis.call('SMEMBERS', p .. ':presence:nodes')) do
          if redis.call('EXISTS', p .. ':presence:node:' .. node .. ':alive') == 0 then
            for _, member in ipairs(redis.call('SMEMBERS', p .. ':presence:node:' .. node .. ':conns')) do
              local uid = remove(node, member)
              if uid then table.insert(offline, uid) end
            end
            redis.call('SREM', p .. ':presence:nodes', node)
          end
        end
        return offline
        """;

    private readonly Lock journalLock = new();
    private volatile bool needsResync;

    // While a resync runs: this node's connection changes made meanwhile, in order (see ResyncAsync).
    private List<(string UserId, string ConnectionId, bool Added)>? journal;

    /// <summary>A change could not be written to Redis: this node's connections must be written again.</summary>
    public bool NeedsResync => needsResync;

    private string Prefix => backplane.Value.ChannelPrefix;

    private long TimeoutMs => options.Value.NodeTimeoutSeconds * 1000L;

    public async ValueTask<bool> AddConnectionAsync(long userId, string connectionId, CancellationToken cancellationToken)
    {
        Record(userId, connectionId, added: true);
        try
        {
            return (long)await EvaluateAsync(AddScript, [Prefix, redis.ServerName, Id(userId), connectionId], cancellationToken) == 1;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            needsResync = true;
            PresenceLog.StoreUnavailable(logger, userId, exception);
            return false;
        }
    }

    public async ValueTask<bool> RemoveConnectionAsync(long userId, string connectionId)
    {
        Record(userId, connectionId, added: false);
        try
        {
            return (long)await EvaluateAsync(RemoveScript, [Prefix, redis.ServerName, Id(userId), connectionId], CancellationToken.None) == 1;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            needsResync = true;
            PresenceLog.StoreUnavailable(logger, userId, exception);
            return false;
        }
    }

    public async ValueTask<bool> SetStatusAsync(long userId, string status, CancellationToken cancellationToken) =>
        (long)await EvaluateAsync(StatusScript, [Prefix, Id(userId), status], cancellationToken) == 1;

    public async ValueTask<IReadOnlyDictionary<long, string>> GetOnlineAsync(CancellationToken cancellationToken)
    {
        var database = (await redis.GetAsync(cancellationToken)).GetDatabase();
        var online = database.SetMembersAsync($"{Prefix}:presence:online");
        var statuses = database.HashGetAllAsync($"{Prefix}:presence:status");
        var away = (await statuses).ToDictionary(entry => (string)entry.Name!, entry => (string)entry.Value!, StringComparer.Ordinal);
        return (await online).Select(id => (string)id!).ToDictionary(
            id => long.Parse(id, CultureInfo.InvariantCulture),
            id => away.GetValueOrDefault(id, PresenceStatus.Online));
    }

    public async ValueTask<IReadOnlyList<string>> GetConnectionsAsync(long userId, CancellationToken cancellationToken)
    {
        var database = (await redis.GetAsync(cancellationToken)).GetDatabase();
        return (await database.HashKeysAsync($"{Prefix}:presence:user:{Id(userId)}")).Select(id => (string)id!).ToList();
    }

    /// <summary>Renews this node's heartbeat; false when it had expired (other nodes may have swept this node's users).</summary>
    public async Task<bool> HeartbeatAsync(CancellationToken cancellationToken) =>
        (long)await EvaluateAsync(HeartbeatScript, [Prefix, redis.ServerName, TimeoutMs], cancellationToken) == 1;

    /// <summary>
    /// Writes this node's connections, as <paramref name="localConnections"/> lists them when called, again; returns the
    /// users whose presence changed (true: came online), in order.
    /// </summary>
    /// <remarks>
    /// A connection that closes or opens while this runs may have its own script run before the resync's, which would then
    /// undo it: put back a connection that had just closed (its user shown online for as long as this node lives) or take
    /// out one that had just opened. Such changes are recorded from before the list is read and written again after the
    /// resync's script, so the last word on each is the change itself.
    /// </remarks>
    public async Task<IReadOnlyList<(long UserId, bool Online)>> ResyncAsync(
        Func<IReadOnlyList<(string ConnectionId, string UserId)>> localConnections, CancellationToken cancellationToken)
    {
        needsResync = false;
        lock (journalLock)
        {
            journal = [];
        }

        try
        {
            var connections = localConnections();
            var args = new List<RedisValue>(2 + (connections.Count * 2)) { Prefix, redis.ServerName };
            foreach (var (connectionId, userId) in connections)
            {
                args.Add(userId);
                args.Add(connectionId);
            }

            var results = (RedisResult[])(await EvaluateAsync(ResyncScript, [.. args], cancellationToken))!;
            var changes = results.Select(change => (string)change!).Select(change => (long.Parse(change.AsSpan(1), CultureInfo.InvariantCulture), change[0] == '+')).ToList();
            foreach (var (userId, connectionId, added) in TakeJournal())
            {
                var changed = (long)await EvaluateAsync(added ? AddScript : RemoveScript, [Prefix, redis.ServerName, userId, connectionId], cancellationToken) == 1;
                if (changed)
                {
                    changes.Add((long.Parse(userId, CultureInfo.InvariantCulture), added));
                }
            }

            return changes;
        }
        catch
        {
            TakeJournal();
            needsResync = true;
            throw;
        }
    }

    /// <summary>Takes the connections of nodes whose heartbeat expired out of presence; returns the users that went offline.</summary>
    public async Task<IReadOnlyList<long>> SweepDeadNodesAsync(CancellationToken cancellationToken)
    {
        var offline = (RedisResult[])(await EvaluateAsync(SweepScript, [Prefix], cancellationToken))!;
        return offline.Select(id => long.Parse((string)id!, CultureInfo.InvariantCulture)).ToList();
    }

    private static string Id(long userId) => userId.ToString(CultureInfo.InvariantCulture);

    private void Record(long userId, string connectionId, bool added)
    {
        lock (journalLock)
        {
            journal?.Add((Id(userId), connectionId, added));
        }
    }

    private List<(string UserId, string ConnectionId, bool Added)> TakeJournal()
    {
        lock (journalLock)
        {
            var taken = journal ?? [];
            journal = null;
            return taken;
        }
    }

    private async Task<RedisResult> EvaluateAsync(string script, RedisValue[] args, CancellationToken cancellationToken)
    {
        var database = (await redis.GetAsync(cancellationToken)).GetDatabase();
        return await database.ScriptEvaluateAsync(script, [], args);
    }
}
