using Dapper;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Netra.Server.Storage;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Storage;

/// <summary>
/// The data source's defaults against a real PostgreSQL: what PostgreSQL holds prepared after a statement repeats
/// (Netra:Storage:MaxAutoPrepare), and whether a pooled connection is reset on its way back to the pool.
/// </summary>
public sealed class DataSourceTests
{
    [Fact]
    public async Task RepeatedStatementsArePreparedByDefault()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

        (await PreparedAfterRepeatingAsync(new StorageOptions { ConnectionString = connectionString })).Should().BeGreaterThan(0);
    }

    [Theory]
    [InlineData("Max Auto Prepare=0", 0)]
    [InlineData("MaxAutoPrepare=0", 0)]
    public async Task TheConnectionStringsOwnSettingWins(string setting, int expected)
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

        (await PreparedAfterRepeatingAsync(new StorageOptions { ConnectionString = $"{connectionString};{setting}" })).Should().Be(expected);
    }

    [Fact]
    public async Task ZeroTurnsPreparingOff()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

        (await PreparedAfterRepeatingAsync(new StorageOptions { ConnectionString = connectionString, MaxAutoPrepare = 0 })).Should().Be(0);
    }

    [Fact]
    public async Task APooledConnectionIsNotResetOnItsWayBackByDefault()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

        (await SettingAfterReturningToThePoolAsync(new StorageOptions { ConnectionString = connectionString })).Should().Be("marked");
    }

    [Fact]
    public async Task AConnectionStringThatAsksForResetsGetsThem()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

        (await SettingAfterReturningToThePoolAsync(new StorageOptions { ConnectionString = $"{connectionString};No Reset On Close=false" }))
            .Should().NotBe("marked");
    }

    [Fact]
    public async Task TheWritersPoolHasOneConnectionPerLoopAndNamesItsSessions()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var options = new StorageOptions { ConnectionString = $"{connectionString};Minimum Pool Size=10;Timeout=7" };
        options.WriterLoops = 3;

        await using var writers = StorageExtensions.BuildWritersDataSource(options, NullLoggerFactory.Instance);
        var settings = new NpgsqlConnectionStringBuilder(writers.ConnectionString);
        settings.MaxPoolSize.Should().Be(3, "one connection per loop");
        settings.MinPoolSize.Should().Be(3, "the connection string's minimum, but no more than the maximum");
        settings.Timeout.Should().Be(7, "the connection string's other settings hold");
        settings.MaxAutoPrepare.Should().Be(new StorageOptions().MaxAutoPrepare, "the writers' statements are prepared like everyone else's");
        settings.NoResetOnClose.Should().BeTrue();

        await using var connection = await writers.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<string>("SHOW application_name")).Should().Be("netra (writers)");
    }

    [Fact]
    public async Task TheWritersSessionsKeepTheApplicationNameTheConnectionStringGives()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var options = new StorageOptions { ConnectionString = $"{connectionString};Application Name=chat-eu" };

        await using var writers = StorageExtensions.BuildWritersDataSource(options, NullLoggerFactory.Instance);
        new NpgsqlConnectionStringBuilder(writers.ConnectionString).MaxPoolSize.Should().Be(1, "no loop registered still leaves one connection");
        await using var connection = await writers.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<string>("SHOW application_name")).Should().Be("chat-eu (writers)");
    }

    /// <summary>A session setting made on one use of the pool's only connection, read on the next use.</summary>
    private static async Task<string?> SettingAfterReturningToThePoolAsync(StorageOptions options)
    {
        options.ConnectionString += ";Maximum Pool Size=1";
        await using var dataSource = StorageExtensions.BuildDataSource(options, NullLoggerFactory.Instance);
        int firstPid;
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            firstPid = connection.ProcessID;
            await connection.ExecuteAsync("SELECT set_config('application_name', 'marked', false)");
        }

        await using var again = await dataSource.OpenConnectionAsync();
        again.ProcessID.Should().Be(firstPid, "the pool hands back the same server session");
        return await again.ExecuteScalarAsync<string>("SHOW application_name");
    }

    private static async Task<long> PreparedAfterRepeatingAsync(StorageOptions options)
    {
        await using var dataSource = StorageExtensions.BuildDataSource(options, NullLoggerFactory.Instance);
        await using var connection = await dataSource.OpenConnectionAsync();
        for (var i = 0; i < 10; i++)
        {
            await using var command = new NpgsqlCommand("SELECT @n + 1", connection) { Parameters = { new NpgsqlParameter<int>("n", i) } };
            await command.ExecuteScalarAsync();
        }

        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1 + 1%'");
    }
}
