using Dapper;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Netra.Server.Auth;
using Netra.Server.Presence;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Presence;

/// <summary>Last-seen times written with group commit, against a real PostgreSQL.</summary>
public sealed class LastSeenWriterTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task WhatQueuedWhileTheWriterWasBusyIsWrittenInOneTransactionAndEachCallerGetsItsUser()
    {
        var ids = await CreateUsersAsync("batched", 20);
        var writer = new LastSeenWriter(fixture.Server.Services.GetRequiredService<UserStore>(), NullLogger<LastSeenWriter>.Instance);
        var calls = ids.Select((id, i) => writer.SetAsync(id, Noon.AddSeconds(i))).ToList();
        var again = writer.SetAsync(ids[0], Noon.AddMinutes(5)); // the same user twice: the later time wins for both
        var nobody = writer.SetAsync(long.MaxValue, Noon);

        await writer.StartAsync(CancellationToken.None);
        try
        {
            var written = await Task.WhenAll(calls);
            (await nobody).Should().BeNull("no such user");
            (await again).Should().BeEquivalentTo(new { Id = ids[0], DisplayName = "batched 0", LastSeenAt = Noon.AddMinutes(5) });
            written[0].Should().BeEquivalentTo(await again);
            for (var i = 1; i < ids.Count; i++)
            {
                written[i].Should().BeEquivalentTo(new { Id = ids[i], DisplayName = $"batched {i}", LastSeenAt = Noon.AddSeconds(i) });
            }

            await using var database = new NpgsqlConnection(fixture.Server.PostgresConnectionString);
            var stored = (await database.QueryAsync<(long Id, DateTime LastSeenAt, string Xmin)>(
                "SELECT id, last_seen_at, xmin::text FROM users WHERE id = ANY(@ids)", new { ids = ids.ToArray() })).ToList();
            stored.Select(row => row.Xmin).Distinct().Should().ContainSingle("one transaction wrote every user that queued up together");
            stored.Should().OnlyContain(row => written.Any(user => user!.Id == row.Id && user.LastSeenAt == new DateTimeOffset(row.LastSeenAt, TimeSpan.Zero)));
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AnEarlierTimeNeverMovesAUsersLastSeenBack()
    {
        // A dead node's users are written when swept, with the time the node was last heard of, which can be before the
        // time another node wrote when the user's last connection there closed.
        var ids = await CreateUsersAsync("monotonic", 1);
        var writer = new LastSeenWriter(fixture.Server.Services.GetRequiredService<UserStore>(), NullLogger<LastSeenWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            (await writer.SetAsync(ids[0], Noon.AddMinutes(5)))!.LastSeenAt.Should().Be(Noon.AddMinutes(5));
            (await writer.SetAsync(ids[0], Noon))!.LastSeenAt.Should().Be(Noon.AddMinutes(5));
            (await writer.SetAsync(ids[0], Noon.AddMinutes(6)))!.LastSeenAt.Should().Be(Noon.AddMinutes(6));
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AfterStoppingAWriteStillGoesThroughOnItsOwn()
    {
        var ids = await CreateUsersAsync("stopping", 1);
        var writer = new LastSeenWriter(fixture.Server.Services.GetRequiredService<UserStore>(), NullLogger<LastSeenWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        (await writer.SetAsync(ids[0], Noon)).Should().BeEquivalentTo(new { Id = ids[0], LastSeenAt = Noon });
        await writer.StopAsync(CancellationToken.None);

        (await writer.SetAsync(ids[0], Noon.AddHours(1))).Should().BeEquivalentTo(new { Id = ids[0], LastSeenAt = Noon.AddHours(1) },
            "connections closing during shutdown still record when they were seen");
    }

    [Fact]
    public async Task AFailedWriteReachesItsCallersAndTheWriterGoesOn()
    {
        var unreachable = new NpgsqlConnectionStringBuilder(fixture.Server.PostgresConnectionString) { Database = "no_such_database_here", Timeout = 5 };
        await using var dataSource = NpgsqlDataSource.Create(unreachable.ConnectionString);
        var writer = new LastSeenWriter(new UserStore(dataSource, dataSource), NullLogger<LastSeenWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            var first = () => writer.SetAsync(1, Noon);
            var second = () => writer.SetAsync(2, Noon);

            await first.Should().ThrowAsync<PostgresException>();
            await second.Should().ThrowAsync<PostgresException>("the loop survived the first failure and answered the next batch too");
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ABatchLocksItsUsersInAscendingIdOrderWhateverThePlan()
    {
        // Two nodes writing overlapping batches cannot deadlock if each takes its row locks by ascending id.
        var ids = await CreateUsersAsync("ordered", 2);
        var (low, high) = (ids[0], ids[1]);
        var users = fixture.Server.Services.GetRequiredService<UserStore>();
        var written = await DatabaseRows.ShouldLockInAscendingIdOrderAsync(fixture.Server.PostgresConnectionString, "users", "display_name", low, high, () =>
            users.SetLastSeenAsync(new Dictionary<long, DateTimeOffset> { [high] = Noon, [low] = Noon }, CancellationToken.None));

        written.Select(user => user.Id).Should().BeEquivalentTo([low, high]);
    }

    private Task<IReadOnlyList<long>> CreateUsersAsync(string prefix, int count) =>
        DatabaseRows.CreateUsersAsync(fixture.Server.PostgresConnectionString, prefix, count);
}
