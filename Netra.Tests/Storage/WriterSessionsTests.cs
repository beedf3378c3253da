using Dapper;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Server.Chat;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Storage;

/// <summary>
/// The group-commit loops (chat write partitions, last-seen writer) write over sessions of their own, checked on a server
/// with a real PostgreSQL: however large the pool that requests use has grown, messages and last-seen times go through
/// the writers' few sessions, which PostgreSQL shows by their application name.
/// </summary>
public sealed class WriterSessionsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task MessagesAndLastSeenTimesAreWrittenOverTheWritersOwnFewSessions()
    {
        // Requests have used many sessions at once: the pool they share holds that many, idle.
        var requests = fixture.Server.Services.GetRequiredService<NpgsqlDataSource>();
        var opened = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            var connection = await requests.OpenConnectionAsync();
            await connection.ExecuteScalarAsync<int>("SELECT 1");
            return connection;
        }));
        await AsyncDisposables.DisposeAllAsync(opened);

        var (alice, bob) = (await fixture.Api.CreateUserAsync("alice"), await fixture.Api.CreateUserAsync("bob"));
        var chat = await fixture.Api.CreateChatAsync(alice, bob);
        await using var a = await UserClient.ConnectAsync(fixture.Server, alice);
        await using var b = await UserClient.ConnectAsync(fixture.Server, bob);
        await b.SubscribeAsync(Channels.Chat(chat.Id));
        var sent = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? a : b).SendAsync(chat.Id, $"message {i}")));
        sent.Select(m => m.Seq).Order().Should().Equal(Seqs.Range(1, 40));

        await using var database = new NpgsqlConnection(fixture.Server.PostgresConnectionString);
        await database.OpenAsync();
        var sessions = (await database.QueryAsync<(int Pid, string ApplicationName, string Query)>(
            """
            SELECT pid, application_name, query FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
            """)).ToList();
        var loops = fixture.Server.Services.GetRequiredService<IOptions<ChatOptions>>().Value.WritePartitions + 1;
        var writers = sessions.Where(session => session.ApplicationName == "netra (writers)").ToList();
        writers.Should().NotBeEmpty().And.HaveCountLessThanOrEqualTo(loops, "one session per write partition and one for last-seen times");
        writers.Should().OnlyContain(session => IsAppend(session.Query) || session.Query.Contains("last_seen_at"),
            "only the loops write over them");
        sessions.Where(session => IsAppend(session.Query)).Should().NotBeEmpty()
            .And.OnlyContain(session => session.ApplicationName == "netra (writers)", "no message went over a request's session");
        sessions.Count.Should().BeGreaterThan(loops, "the requests' pool still holds its own sessions");
    }

    /// <summary>The chat store's append statement, as far as PostgreSQL shows it (the first 1 kB).</summary>
    private static bool IsAppend(string query) => query.Length > 0 && ChatStore.AppendSql.StartsWith(query, StringComparison.Ordinal);
}
