using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// A real Netra node: the server's own composition root, on Kestrel, bound to a free loopback port,
/// with its own PostgreSQL database. Logs are kept in memory (<see cref="Logs"/>).
/// </summary>
public sealed class NetraTestServer : INetraNode, IAsyncDisposable
{
    public const string SigningKey = "netra-test-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789";

    private readonly WebApplication app;
    private int disposed;

    private NetraTestServer(WebApplication app, Uri baseAddress, string postgres, InMemoryLogs logs)
    {
        this.app = app;
        BaseAddress = baseAddress;
        PostgresConnectionString = postgres;
        Logs = logs;
    }

    public Uri BaseAddress { get; }

    public Uri HubUrl => new(BaseAddress, "/ws");

    public string PostgresConnectionString { get; }

    public InMemoryLogs Logs { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>A node on a database of its own with one of <c>Netra:Limits</c> set, for the tests of that limit.</summary>
    public static async Task<NetraTestServer> StartWithLimitAsync(string limit, int value) =>
        await StartAsync(
            await (await PostgresServer.SharedAsync()).CreateDatabaseAsync(),
            new Dictionary<string, string?> { [$"Netra:Limits:{limit}"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public static async Task<NetraTestServer> StartAsync(
        string postgresConnectionString,
        IDictionary<string, string?>? settings = null,
        string environment = "Testing",
        int port = 0,
        Action<IServiceCollection>? services = null,
        CancellationToken cancellationToken = default)
    {
        var logs = new InMemoryLogs();
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = postgresConnectionString,
            ["Netra:Auth:SigningKey"] = SigningKey,
            // Tests register their users from 127.0.0.1, many a minute on one server; RateLimitTests checks the limit.
            ["Netra:Limits:RegistrationsPerMinutePerIp"] = "1000000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var app = Program.CreateApp(["--environment", environment], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            // Port 0: a free one. A fixed port restarts a node where its clients reconnect (BaseAddress.Port).
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddProvider(logs);
        }, services); // test doubles on top of the real composition (agents that wait for the test, a sender that holds runs)

        try
        {
            // Started off xunit's synchronization context, so that nothing the server starts (hosted
            // services, timers, background loops) posts its continuations to the test runner's threads.
            await Task.Run(() => app.StartAsync(cancellationToken), cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new NetraTestServer(app, new Uri(address), postgresConnectionString, logs);
    }

    /// <summary>The chat's head seq, read straight from PostgreSQL: what was really stored, whatever the API says.</summary>
    public async Task<long> ReadLastSeqAsync(long chatId)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        return await connection.ExecuteScalarAsync<long>("SELECT last_seq FROM chats WHERE id = @chatId", new { chatId });
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress, Timeout = TestTimeouts.Network };

    public async ValueTask DisposeAsync()
    {
        // Once: a test that stops a node and disposes it again in a finally would otherwise hide its own failure.
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }
}
