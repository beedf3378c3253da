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
/// While the node stops gracefully (<see cref="PresenceOptions.StopGraceSeconds"/>), its closing connections stay: the
/// monitor lets its heartbeat expire after the grace, and the other nodes' sweep takes out those whose users did not
/// reconnect elsewhere meanwhile. When Redis cannot answer, a change is logged and remembered as lost (<see cref="NeedsResync"/>); the
/// monitor then rewrites this node's connections from the hub's own connection store once Redis is back.
/// </remarks>
internal sealed class RedisPresenceStore(
    RedisConnection redis,
    IOptions<BackplaneOptions> backplane,
    IOptions<PresenceOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<RedisPresenceStore> logger)
    : IPresenceStore
{
    // The presence clock (IPresenceStore): tick() moves it on and returns the new version, at least Redis's time in
    // microseconds (exact in Lua's doubles until the year 2255), so a Redis that lost its data still counts up.
    private const string ClockPrelude = """
        local p = ARGV[1]
        local function tick()
          local t = redis.call('TIME')
          local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
          local v = math.max(tonumber(redis.call('GET', p .. ':presence:clock') or '0') + 1, now)
          redis.call('SET', p .. ':presence:clock', string.format('%.0f', v))
          return v
        end
        local function change(sign, uid) return sign .. uid .. ':' .. string.format('%.0f', tick()) end

        """;

    // Removes member "uid|conn" of a node; returns the uid when that was the user's last connection, else nil.
    // Adds a connection; returns 1 when it was the user's first.
    private const string ConnectionPrelude = ClockPrelude + """
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

    // ARGV = prefix, node, uid, conn. Returns the change's version when the user came online, else 0. The node joins
    // the swept nodes only with its heartbeat, so a connection added before the first one is never taken for a dead node's.
    private const string AddScript = ConnectionPrelude + """
        if add(ARGV[2], ARGV[3], ARGV[4]) == 1 then return tick() end
        return 0
        """;

    // ARGV = prefix, node, uid, conn. Returns the change's version when the user went offline, else 0.
    private const string RemoveScript = ConnectionPrelude + """
        if remove(ARGV[2], ARGV[3] .. '|' .. ARGV[4]) then return tick() end
        return 0
        """;

    // ARGV = prefix, uid, status. Returns the change's version when changed, 0 when not, -1 when the user is not online.
    private const string StatusScript = ClockPrelude + """
        if redis.call('SISMEMBER', p .. ':presence:online', ARGV[2]) == 0 then return -1 end
        local previous = redis.call('HGET', p .. ':presence:status', ARGV[2]) or 'online'
        if ARGV[3] == 'online' then redis.call('HDEL', p .. ':presence:status', ARGV[2]) else redis.call('HSET', p .. ':presence:status', ARGV[2], ARGV[3]) end
        if previous == ARGV[3] then return 0 end
        return tick()
        """;

    // ARGV = prefix. Returns a version of the read's own, the online users, and the statuses (a flat hash).
    private const string SnapshotScript = ClockPrelude + """
        return { tick(), redis.call('SMEMBERS', p .. ':presence:online'), redis.call('HGETALL', p .. ':presence:status') }
        """;

    // ARGV = prefix, node, ...: the node's alive key, and seen(), which notes Redis's time in Unix ms as when the node was
    // last heard of.
    private const string SeenPrelude = """
        local p = ARGV[1]
        local alive = p .. ':presence:node:' .. ARGV[2] .. ':alive'
        local function seen()
          local t = redis.call('TIME')
          redis.call('HSET', p .. ':presence:seen', ARGV[2], t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000)))
        end

        """;

    // ARGV = prefix, node, ttl ms. Renews the node's heartbeat and notes when (the last time its users are known to have
    // been connected, should it die); returns 1 when it was still alive, 0 when it had expired.
    private const string HeartbeatScript = SeenPrelude + """
        local existed = redis.call('EXISTS', alive)
        redis.call('SET', alive, '1', 'PX', ARGV[3])
        redis.call('SADD', p .. ':presence:nodes', ARGV[2])
        seen()
        return existed
        """;

    // ARGV = prefix, node, grace ms. Stopping: the heartbeat ends after the grace (at once when 0), and its users were
    // last connected now.
    private const string StopScript = SeenPrelude + """
        if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', alive, ARGV[3]) else redis.call('DEL', alive) end
        seen()
        return 1
        """;

    // ARGV = prefix, node, then uid, conn pairs: this node's connections. Makes Redis agree with them and returns
    // the changes as '+uid:version' (came online) and '-uid:version' (went offline).
    private const string ResyncScript = ConnectionPrelude + """
        local node = ARGV[2]
        local want = {}
        for i = 3, #ARGV, 2 do want[ARGV[i] .. '|' .. ARGV[i + 1]] = { ARGV[i], ARGV[i + 1] } end
        local changes = {}
        for _, member in ipairs(redis.call('SMEMBERS', p .. ':presence:node:' .. node .. ':conns')) do
          if not want[member] then
            local uid = remove(node, member)
            if uid then table.insert(changes, change('-', uid)) end
          end
        end
        for _, pair in pairs(want) do
          if add(node, pair[1], pair[2]) == 1 then table.insert(changes, change('+', pair[1])) end
        end
        return changes
        """;

    // ARGV = prefix. Removes the connections of every node whose heartbeat expired; returns the users that went
    // offline as '-uid:version:ms', ms being when the node was last known to hold them (its last heartbeat, or its stop).
    private const string SweepScript = ConnectionPrelude + """
        local offline = {}
        for _, node in ipairs(redis.call('SMEMBERS', p .. ':presence:nodes')) do
          if redis.call('EXISTS', p .. ':presence:node:' .. node .. ':alive') == 0 then
            local seen = redis.call('HGET', p .. ':presence:seen', node) or '0'
            for _, member in ipairs(redis.call('SMEMBERS', p .. ':presence:node:' .. node .. ':conns')) do
              local uid = remove(node, member)
              if uid then table.insert(offline, change('-', uid) .. ':' .. seen) end
            end
            redis.call('SREM', p .. ':presence:nodes', node)
            redis.call('HDEL', p .. ':presence:seen', node)
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

    public async ValueTask<long?> AddConnectionAsync(long userId, string connectionId, CancellationToken cancellationToken)
    {
        Record(userId, connectionId, added: true);
        try
        {
            return Version(await EvaluateAsync(AddScript, [Prefix, redis.ServerName, Id(userId), connectionId], cancellationToken));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            needsResync = true;
            PresenceLog.StoreUnavailable(logger, userId, exception);
            return null;
        }
    }

    public async ValueTask<long?> RemoveConnectionAsync(long userId, string connectionId)
    {
        if (options.Value.StopGraceSeconds > 0 && lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return null; // left to the sweep once this node's heartbeat expires (ExpireHeartbeatAsync)
        }

        Record(userId, connectionId, added: false);
        try
        {
            return Version(await EvaluateAsync(RemoveScript, [Prefix, redis.ServerName, Id(userId), connectionId], CancellationToken.None));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            needsResync = true;
            PresenceLog.StoreUnavailable(logger, userId, exception);
            return null;
        }
    }

    public async ValueTask<long?> SetStatusAsync(long userId, string status, CancellationToken cancellationToken) =>
        Version(await EvaluateAsync(StatusScript, [Prefix, Id(userId), status], cancellationToken));

    public async ValueTask<PresenceSnapshot> GetOnlineAsync(CancellationToken cancellationToken)
    {
        var read = (RedisResult[])(await EvaluateAsync(SnapshotScript, [Prefix], cancellationToken))!;
        var statuses = (RedisResult[])read[2]!;
        var away = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < statuses.Length; i += 2)
        {
            away[(string)statuses[i]!] = (string)statuses[i + 1]!;
        }

        var online = ((RedisResult[])read[1]!).Select(id => (string)id!).ToDictionary(
            id => long.Parse(id, CultureInfo.InvariantCulture),
            id => away.GetValueOrDefault(id, PresenceStatus.Online));
        return new PresenceSnapshot((long)read[0], online);
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
    /// users whose presence changed, in order.
    /// </summary>
    /// <remarks>
    /// A connection that closes or opens while this runs may have its own script run before the resync's, which would then
    /// undo it: put back a connection that had just closed (its user shown online for as long as this node lives) or take
    /// out one that had just opened. Such changes are recorded from before the list is read and written again after the
    /// resync's script, so the last word on each is the change itself.
    /// </remarks>
    public async Task<IReadOnlyList<PresenceChange>> ResyncAsync(
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
            var changes = results.Select(change => ParseChange((string)change!)).ToList();
            foreach (var (userId, connectionId, added) in TakeJournal())
            {
                if (Version(await EvaluateAsync(added ? AddScript : RemoveScript, [Prefix, redis.ServerName, userId, connectionId], cancellationToken)) is { } version)
                {
                    changes.Add(new PresenceChange(long.Parse(userId, CultureInfo.InvariantCulture), added, version));
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

    /// <summary>
    /// Stopping: this node's heartbeat expires after <paramref name="grace"/> (at once when zero), and then any other node's
    /// sweep takes its connections out of presence.
    /// </summary>
    public async Task ExpireHeartbeatAsync(TimeSpan grace, CancellationToken cancellationToken) =>
        await EvaluateAsync(StopScript, [Prefix, redis.ServerName, (long)grace.TotalMilliseconds], cancellationToken);

    /// <summary>
    /// Takes the connections of nodes whose heartbeat expired out of presence; returns the users that went offline, each
    /// last seen when their node last renewed its heartbeat or stopped.
    /// </summary>
    public async Task<IReadOnlyList<PresenceChange>> SweepDeadNodesAsync(CancellationToken cancellationToken)
    {
        var offline = (RedisResult[])(await EvaluateAsync(SweepScript, [Prefix], cancellationToken))!;
        return offline.Select(change => ParseChange((string)change!)).ToList();
    }

    private static string Id(long userId) => userId.ToString(CultureInfo.InvariantCulture);

    // A script's answer to one change: its version, or 0 (or -1) when nothing changed.
    private static long? Version(RedisResult result) => (long)result is > 0 and var version ? version : null;

    // "+uid:version" or "-uid:version", and from the sweep ":ms" after it: when the user was last seen (0: not known).
    private static PresenceChange ParseChange(string change)
    {
        var parts = change[1..].Split(':');
        var seen = parts.Length > 2 ? long.Parse(parts[2], CultureInfo.InvariantCulture) : 0;
        return new PresenceChange(
            long.Parse(parts[0], CultureInfo.InvariantCulture),
            change[0] == '+',
            long.Parse(parts[1], CultureInfo.InvariantCulture),
            seen > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(seen) : null);
    }

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
