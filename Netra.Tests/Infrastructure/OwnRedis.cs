using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Netra.Server.Backplane;
using Netra.Server.Presence;
using StackExchange.Redis;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// A Redis server of the test's own, with the nodes' connections the test makes to it and an admin connection to read
/// what the server did: its keys, its clock and the count of script calls it ran (server-wide, which is why a test that
/// reads it needs a server of its own, not the shared one). Disposing it closes them all and stops the server.
/// </summary>
public sealed class OwnRedis : IAsyncDisposable
{
    private readonly RedisConnections connections = new();
    private readonly RedisServer server;
    private readonly ConnectionMultiplexer admin;

    private OwnRedis(RedisServer server, ConnectionMultiplexer admin)
    {
        this.server = server;
        this.admin = admin;
    }

    public string ConnectionString => server.ConnectionString;

    /// <summary>The admin connection's database, to read and set keys behind the code under test.</summary>
    public IDatabase Database => admin.GetDatabase();

    /// <summary>The server, through the admin connection (INFO, KEYS, CONFIG RESETSTAT, TIME).</summary>
    public IServer Server => admin.GetServer(admin.GetEndPoints()[0]);

    public static async Task<OwnRedis> StartAsync()
    {
        var server = await RedisServer.StartAsync();
        try
        {
            return new OwnRedis(server, await ConnectionMultiplexer.ConnectAsync($"{server.ConnectionString},allowAdmin=true"));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A node's connection to this server (<see cref="RedisConnections.Create"/>), closed with it.</summary>
    internal RedisConnection Connect(BackplaneOptions? backplane = null) => connections.Create(server.ConnectionString, backplane);

    /// <summary>A node's presence store on this server (a node of its own for each call), running unless <paramref name="lifetime"/> says it stops.</summary>
    internal RedisPresenceStore PresenceStore(IHostApplicationLifetime? lifetime = null, PresenceOptions? presence = null)
    {
        var backplane = new BackplaneOptions();
        return new RedisPresenceStore(
            Connect(backplane),
            Options.Create(backplane),
            Options.Create(presence ?? new PresenceOptions()),
            lifetime ?? new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance),
            NullLogger<RedisPresenceStore>.Instance);
    }

    /// <summary>Redis's own clock, in Unix milliseconds.</summary>
    public async Task<long> MillisecondsAsync() => (long)(await Server.TimeAsync() - DateTime.UnixEpoch).TotalMilliseconds;

    /// <summary>Script calls (EVAL and EVALSHA) the server ran since it started or its statistics were last reset.</summary>
    public async Task<long> ScriptCallsAsync()
    {
        var info = await Server.InfoAsync("commandstats");
        return info.SelectMany(group => group)
            .Where(stat => stat.Key is "cmdstat_eval" or "cmdstat_evalsha")
            .Sum(stat => long.Parse(stat.Value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        await connections.CloseAllAsync();
        await admin.DisposeAsync();
        await server.DisposeAsync();
    }
}
