using System.Diagnostics;
using Dapper;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Netra.Server.Storage;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Storage;

public sealed class MigrationTests
{
    [Fact]
    public async Task MigratingTwiceAppliesEachMigrationOnce()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using (var first = await NetraTestServer.StartAsync(database))
        {
            await first.Services.GetRequiredService<Migrator>().MigrateAsync(CancellationToken.None);
        }

        await using var second = await NetraTestServer.StartAsync(database);

        (await AppliedVersionsAsync(database)).Should().Equal(Migrator.All.Select(m => m.Version));
        second.Logs.Lines.Should().NotContain(line => line.EventId.Id == 2001, "nothing was left to apply the second time");
    }

    [Fact]
    public async Task TwoProcessesMigratingAtOnceApplyEachMigrationExactlyOnce()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var runs = Enumerable.Range(0, 3).Select(_ => RunMigratorAsync(database)).ToList();
        var results = await Task.WhenAll(runs);

        results.Should().AllSatisfy(r => r.ExitCode.Should().Be(0, r.Output));
        results.Count(r => r.Output.Contains("Applied migration 1", StringComparison.Ordinal)).Should().Be(1, string.Join("\n---\n", results.Select(r => r.Output)));
        (await AppliedVersionsAsync(database)).Should().Equal(Migrator.All.Select(m => m.Version));
    }

    [Fact]
    public async Task AnAppliedMigrationThatWasEditedStopsStartUp()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await (await NetraTestServer.StartAsync(database)).DisposeAsync();
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.ExecuteAsync("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
        }

        var start = () => NetraTestServer.StartAsync(database);

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*Migration 1*changed after it was applied*");
    }

    [Fact]
    public async Task WithoutAConnectionStringTheServerRefusesToStartAndSaysWhy()
    {
        var start = () => NetraTestServer.StartAsync("", new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = null });
        (await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).WithMessage("*ConnectionStrings__Postgres*");
    }

    private static async Task<IReadOnlyList<int>> AppliedVersionsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        return (await connection.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
    }

    private static async Task<(int ExitCode, string Output)> RunMigratorAsync(string database)
    {
        var (exitCode, stdout, stderr) = await ServerCommand.RunAsync(database, "--migrate-only");
        return (exitCode, stdout + stderr);
    }
}
