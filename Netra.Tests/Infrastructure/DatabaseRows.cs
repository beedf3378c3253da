using Dapper;
using FluentAssertions;
using Npgsql;

namespace Netra.Tests.Infrastructure;

/// <summary>Rows and row locks set up straight in a test database, for tests of the stores' SQL.</summary>
internal static class DatabaseRows
{
    /// <summary>
    /// Inserts <paramref name="count"/> users named "<paramref name="prefix"/> 0", "<paramref name="prefix"/> 1", ...
    /// (unique user names); returns their ids, ascending.
    /// </summary>
    public static async Task<IReadOnlyList<long>> CreateUsersAsync(string connectionString, string prefix, int count)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        await using var database = new NpgsqlConnection(connectionString);
        return (await database.QueryAsync<long>(
            """
            INSERT INTO users (user_name, display_name, password_hash, roles)
            SELECT @tag || '-' || i, @prefix || ' ' || i, 'x', '{}' FROM generate_series(0, @last) AS i ORDER BY i
            RETURNING id
            """,
            new { tag = $"{prefix}-{tag}", prefix, last = count - 1 })).Order().ToList();
    }

    /// <summary>Waits (at most 30 s) until some session waits on a lock that the session <paramref name="blockerPid"/> holds.</summary>
    public static async Task WaitUntilBlockedAsync(NpgsqlConnection probe, int blockerPid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await probe.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE @blockerPid = ANY(pg_blocking_pids(pid)))", new { blockerPid }))
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the batch should have reached the held row");
            await Task.Delay(20);
        }
    }
}
