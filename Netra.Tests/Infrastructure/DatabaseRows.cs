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

    /// <summary>
    /// Runs <paramref name="write"/>, which locks the rows <paramref name="low"/> and <paramref name="high"/> of
    /// <paramref name="table"/>, and checks that it locks them in ascending id order whatever the plan (so that two writers
    /// never deadlock): the lower id's row is rewritten (its <paramref name="column"/> set to itself) so that it lies after
    /// the higher one in the table, where a scan meets it second, and another transaction holds it; the write must wait on
    /// it before it locks the higher id. Returns what the write returned once the lower id was let go.
    /// </summary>
    public static async Task<T> ShouldLockInAscendingIdOrderAsync<T>(
        string connectionString, string table, string column, long low, long high, Func<Task<T>> write)
    {
        await using var holder = new NpgsqlConnection(connectionString);
        await holder.OpenAsync();
        await holder.ExecuteAsync($"UPDATE {table} SET {column} = {column} WHERE id = @low", new { low });
        await using var holding = await holder.BeginTransactionAsync();
        await holder.ExecuteAsync($"SELECT 1 FROM {table} WHERE id = @low FOR UPDATE", new { low }, holding);

        var written = write();
        await using var probe = new NpgsqlConnection(connectionString);
        await probe.OpenAsync();
        await WaitUntilBlockedAsync(probe, holder.ProcessID);

        await using (var probing = await probe.BeginTransactionAsync())
        {
            var lockHigh = () => probe.ExecuteAsync($"SELECT 1 FROM {table} WHERE id = @high FOR UPDATE NOWAIT", new { high }, probing);
            await lockHigh.Should().NotThrowAsync("the write waits for the lower id and has not locked the higher one yet");
            await probing.RollbackAsync();
        }

        written.IsCompleted.Should().BeFalse("the lower id is still held");
        await holding.CommitAsync();
        return await written;
    }

    /// <summary>Waits (at most 30 s) until some session waits on a lock that the session <paramref name="blockerPid"/> holds.</summary>
    private static async Task WaitUntilBlockedAsync(NpgsqlConnection probe, int blockerPid)
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
