using System.Net;
using System.Net.Sockets;
using System.Text;
using FluentAssertions;
using Npgsql;
using Xunit;

namespace Netra.Tests.Infrastructure;

/// <summary>The fixtures that start real PostgreSQL and Redis servers for the other tests.</summary>
public sealed class InfrastructureTests
{
    private static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task SharedPostgresStartsOnceAndAcceptsConnections()
    {
        var first = await PostgresServer.SharedAsync().WaitAsync(StartTimeout);
        var second = await PostgresServer.SharedAsync().WaitAsync(StartTimeout);

        second.Should().BeSameAs(first);
        (await QueryScalarAsync<int>(first.AdminConnectionString, "select 1")).Should().Be(1);
    }

    [Fact]
    public async Task CreatedDatabaseAnswersSelectOne()
    {
        var server = await PostgresServer.SharedAsync().WaitAsync(StartTimeout);

        var connectionString = await server.CreateDatabaseAsync().WaitAsync(NetworkTimeout);

        connectionString.Should().Contain("Host=127.0.0.1").And.Contain("Username=postgres").And.Contain("Pooling=True");
        (await QueryScalarAsync<int>(connectionString, "select 1")).Should().Be(1);
    }

    [Fact]
    public async Task TwoCreatedDatabasesAreDistinct()
    {
        var server = await PostgresServer.SharedAsync().WaitAsync(StartTimeout);
        var first = await server.CreateDatabaseAsync().WaitAsync(NetworkTimeout);
        var second = await server.CreateDatabaseAsync().WaitAsync(NetworkTimeout);

        await QueryScalarAsync<int>(first, "create table marker (id int); select 1");

        first.Should().NotBe(second);
        (await QueryScalarAsync<string>(first, "select current_database()"))
            .Should().NotBe(await QueryScalarAsync<string>(second, "select current_database()"));
        (await QueryScalarAsync<bool>(first, "select to_regclass('marker') is not null")).Should().BeTrue();
        (await QueryScalarAsync<bool>(second, "select to_regclass('marker') is not null")).Should().BeFalse();
    }

    [Fact]
    public async Task CreatedDatabaseTakesTheGivenName()
    {
        var server = await PostgresServer.SharedAsync().WaitAsync(StartTimeout);
        var name = $"named_{Guid.NewGuid():N}";

        var connectionString = await server.CreateDatabaseAsync(name).WaitAsync(NetworkTimeout);

        (await QueryScalarAsync<string>(connectionString, "select current_database()")).Should().Be(name);
    }

    [Fact]
    public async Task OwnPostgresStopsAndDeletesItsFolderWhenDisposed()
    {
        var server = await PostgresServer.StartAsync().WaitAsync(StartTimeout);
        var folder = Path.GetDirectoryName(server.DataDirectory);
        (await QueryScalarAsync<string>(server.AdminConnectionString, "show fsync")).Should().Be("off");
        (await QueryScalarAsync<string>(server.AdminConnectionString, "show listen_addresses")).Should().Be("127.0.0.1");

        await server.DisposeAsync().AsTask().WaitAsync(StartTimeout);

        Directory.Exists(folder).Should().BeFalse();
        (await AcceptsConnectionsAsync(server.Port)).Should().BeFalse();
    }

    [Fact]
    public async Task RedisAnswersPingOverRawTcp()
    {
        var server = await RedisServer.SharedAsync().WaitAsync(StartTimeout);

        server.ConnectionString.Should().Be($"{server.Host}:{server.Port}");
        (await PingAsync(server.Port)).Should().StartWith("+PONG");
    }

    [Fact]
    public async Task DisposingTheSharedServersLeavesThemRunning()
    {
        var postgres = await PostgresServer.SharedAsync().WaitAsync(StartTimeout);
        var redis = await RedisServer.SharedAsync().WaitAsync(StartTimeout);

        await postgres.DisposeAsync();
        await redis.DisposeAsync();

        (await QueryScalarAsync<int>(postgres.AdminConnectionString, "select 1")).Should().Be(1);
        (await PingAsync(redis.Port)).Should().StartWith("+PONG");
        await FluentActions.Awaiting(() => redis.StopAsync()).Should().ThrowAsync<InvalidOperationException>();
    }

    [Fact]
    public async Task RedisAnswersAgainAfterStopAndRestartOnTheSamePort()
    {
        await using var server = await RedisServer.StartAsync().WaitAsync(StartTimeout);
        var port = server.Port;
        (await PingAsync(port)).Should().StartWith("+PONG");

        await server.StopAsync().WaitAsync(NetworkTimeout);
        (await AcceptsConnectionsAsync(port)).Should().BeFalse();

        await server.RestartAsync().WaitAsync(StartTimeout);
        server.Port.Should().Be(port);
        (await PingAsync(port)).Should().StartWith("+PONG");
    }

    [Fact]
    public async Task OwnRedisIsKilledAndItsFolderDeletedWhenDisposed()
    {
        var server = await RedisServer.StartAsync().WaitAsync(StartTimeout);
        var folder = server.DataDirectory;

        await server.DisposeAsync().AsTask().WaitAsync(NetworkTimeout);

        Directory.Exists(folder).Should().BeFalse();
        (await AcceptsConnectionsAsync(server.Port)).Should().BeFalse();
    }

    private static async Task<T> QueryScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().WaitAsync(NetworkTimeout);
        await using var command = new NpgsqlCommand(sql, connection);
        var result = await command.ExecuteScalarAsync().WaitAsync(NetworkTimeout);
        return (T)result!;
    }

    private static async Task<string> PingAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(NetworkTimeout);
        var stream = client.GetStream();
        await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray()).AsTask().WaitAsync(NetworkTimeout);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(NetworkTimeout);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(NetworkTimeout);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
