using System.Globalization;
using StackExchange.Redis;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// An admin connection to a test's own Redis, to read what the server did: its keys, its clock and the count of script
/// calls it ran (server-wide, so a test that reads it needs a server of its own, not the shared one).
/// </summary>
public sealed class RedisAdmin : IAsyncDisposable
{
    private readonly ConnectionMultiplexer multiplexer;

    private RedisAdmin(ConnectionMultiplexer multiplexer) => this.multiplexer = multiplexer;

    public IDatabase Database => multiplexer.GetDatabase();

    public IServer Server => multiplexer.GetServer(multiplexer.GetEndPoints()[0]);

    public static async Task<RedisAdmin> ConnectAsync(RedisServer redis) =>
        new(await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true"));

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

    public async ValueTask DisposeAsync() => await multiplexer.DisposeAsync();
}
