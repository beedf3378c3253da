using System.Net;
using System.Net.Http.Json;
using Dapper;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Netra.Contracts;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Presence;

/// <summary>Presence on one node: once per user however many tabs, last seen kept in PostgreSQL, away on request.</summary>
public sealed class PresenceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly bool[] OnlineThenOffline = [true, false];

    [Fact]
    public async Task AUserComesOnlineWithTheFirstTabAndGoesOfflineWithTheLastOnceEach()
    {
        var (watcher, bob) = (await fixture.Api.CreateUserAsync("watcher"), await fixture.Api.CreateUserAsync("bob"));
        await using var watching = await UserClient.ConnectAsync(fixture.Server, watcher);
        await watching.SubscribeAsync(Channels.Presence);

        var firstTab = await UserClient.ConnectAsync(fixture.Server, bob);
        var online = await watching.NextPresenceOfAsync(bob.Id);
        online.Should().BeEquivalentTo(new { UserId = bob.Id, bob.DisplayName, IsOnline = true, Status = PresenceStatus.Online });
        var secondTab = await UserClient.ConnectAsync(fixture.Server, bob);
        (await watching.PresenceOfWithinQuietAsync(bob.Id)).Should().BeEmpty("a second tab changes nothing");
        (await PresenceAsync(watcher, "")).Should().Contain(p => p.UserId == bob.Id && p.IsOnline);

        await firstTab.DisposeAsync();
        (await watching.PresenceOfWithinQuietAsync(bob.Id)).Should().BeEmpty("bob still has a tab open");
        await secondTab.DisposeAsync();
        var offline = await watching.NextPresenceOfAsync(bob.Id);

        offline.Should().BeEquivalentTo(new { UserId = bob.Id, IsOnline = false, Status = PresenceStatus.Offline });
        offline.LastSeen.Should().NotBeNull();
        (await PresenceAsync(watcher, "")).Should().NotContain(p => p.UserId == bob.Id);
        var asked = (await PresenceAsync(watcher, $"?userIds={bob.Id},{watcher.Id}")).ToDictionary(p => p.UserId);
        asked[bob.Id].Should().BeEquivalentTo(new { IsOnline = false, Status = PresenceStatus.Offline, offline.LastSeen });
        asked[watcher.Id].IsOnline.Should().BeTrue();
        await using var database = new NpgsqlConnection(fixture.Server.PostgresConnectionString);
        (await database.ExecuteScalarAsync<DateTime?>("SELECT last_seen_at FROM users WHERE id = @id", new { id = bob.Id })).Should().NotBeNull();
    }

    [Fact]
    public async Task AwayIsAnnouncedOnceAndABadStatusIsRefused()
    {
        var (watcher, carol) = (await fixture.Api.CreateUserAsync("watcher"), await fixture.Api.CreateUserAsync("carol"));
        await using var watching = await UserClient.ConnectAsync(fixture.Server, watcher);
        await watching.SubscribeAsync(Channels.Presence);
        await using var client = await UserClient.ConnectAsync(fixture.Server, carol);
        await watching.NextPresenceOfAsync(carol.Id);

        await client.Client.SetPresenceAsync(PresenceStatus.Away).WaitAsync(TestTimeouts.Network);
        (await watching.NextPresenceOfAsync(carol.Id)).Should().BeEquivalentTo(new { IsOnline = true, Status = PresenceStatus.Away });
        await client.Client.SetPresenceAsync(PresenceStatus.Away).WaitAsync(TestTimeouts.Network);
        (await watching.PresenceOfWithinQuietAsync(carol.Id)).Should().BeEmpty("nothing changed");
        (await PresenceAsync(watcher, "")).Single(p => p.UserId == carol.Id).Status.Should().Be(PresenceStatus.Away);

        await Expect.RefusedAsync(() => client.Client.SetPresenceAsync(PresenceStatus.Offline), ErrorCodes.ValidationFailed);
        await Expect.RefusedAsync(() => client.Client.SetPresenceAsync(new string('x', 5000)), ErrorCodes.ValidationFailed);
        await client.Client.SetPresenceAsync(PresenceStatus.Online).WaitAsync(TestTimeouts.Network);
        (await watching.NextPresenceOfAsync(carol.Id)).Status.Should().Be(PresenceStatus.Online);
    }

    [Fact]
    public async Task EachAnnouncementOfAUserHasALaterVersionAndAReadOfPresenceSitsBetween()
    {
        var (watcher, dave) = (await fixture.Api.CreateUserAsync("watcher"), await fixture.Api.CreateUserAsync("dave"));
        await using var watching = await UserClient.ConnectAsync(fixture.Server, watcher);
        await watching.SubscribeAsync(Channels.Presence);

        var client = await UserClient.ConnectAsync(fixture.Server, dave);
        var online = await watching.NextPresenceOfAsync(dave.Id);
        await client.Client.SetPresenceAsync(PresenceStatus.Away).WaitAsync(TestTimeouts.Network);
        var away = await watching.NextPresenceOfAsync(dave.Id);
        var read = (await PresenceAsync(watcher, $"?userIds={dave.Id}")).Single();
        await client.Client.SetPresenceAsync(PresenceStatus.Online).WaitAsync(TestTimeouts.Network);
        var back = await watching.NextPresenceOfAsync(dave.Id);
        await client.DisposeAsync();
        var offline = await watching.NextPresenceOfAsync(dave.Id);

        read.Status.Should().Be(PresenceStatus.Away);
        new[] { online, away, read, back, offline }.Select(p => p.Version).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        online.Version.Should().BePositive();
    }

    [Fact]
    public async Task AConnectionThatClosesWhileComingOnlineIsAnnouncedOnlineThenOfflineWithoutAnError()
    {
        var watcher = await fixture.Api.CreateUserAsync("watcher");
        await using var watching = await UserClient.ConnectAsync(fixture.Server, watcher);
        await watching.SubscribeAsync(Channels.Presence);
        var users = new List<TestUser>();
        for (var i = 0; i < 8; i++)
        {
            users.Add(await fixture.Api.CreateUserAsync("brief"));
        }

        // Each closes while its coming online is still being written: the users' rows are locked until all have closed.
        await using (var database = new NpgsqlConnection(fixture.Server.PostgresConnectionString))
        {
            await database.OpenAsync();
            await using var locking = await database.BeginTransactionAsync();
            await database.ExecuteAsync("SELECT id FROM users WHERE id = ANY(@ids) FOR UPDATE", new { ids = users.Select(user => user.Id).ToArray() }, locking);
            await Task.WhenAll(users.Select(async user => await (await RawHubClient.ConnectAsync(fixture.Server, user.Token)).DisposeAsync()));
            await Task.Delay(TestTimeouts.Quiet); // the server sees the closes
        }

        var ids = users.Select(user => user.Id).ToHashSet();
        var seen = new List<PresenceChangedEvent>();
        while (seen.Count < 2 * users.Count)
        {
            seen.Add(await watching.Presence.NextAsync(p => ids.Contains(p.UserId)));
        }

        seen.GroupBy(p => p.UserId).Should().HaveCount(users.Count)
            .And.OnlyContain(changes => changes.Select(p => p.IsOnline).SequenceEqual(OnlineThenOffline), "each came online, then went offline");
        fixture.Server.Logs.Lines.Should().NotContain(line => line.Level >= LogLevel.Error && line.Message.Contains("OnConnectedAsync", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhoIsOnlineIsReadAPageAtATimeByUserId()
    {
        var reader = await fixture.Api.CreateUserAsync("reader");
        var users = new List<TestUser>();
        var clients = new List<UserClient>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                users.Add(await fixture.Api.CreateUserAsync("paged"));
                clients.Add(await UserClient.ConnectAsync(fixture.Server, users[^1]));
            }

            // Other tests' users may be online too: page from just below the first of ours.
            var after = users[0].Id - 1;
            var seen = new List<PresenceChangedEvent>();
            while (true)
            {
                var page = await PresenceAsync(reader, $"?afterUserId={after}&limit=2");
                page.Count.Should().BeLessThanOrEqualTo(2);
                page.Select(p => p.UserId).Should().BeInAscendingOrder().And.OnlyContain(id => id > after);
                seen.AddRange(page);
                if (page.Count < 2)
                {
                    break;
                }

                after = page[^1].UserId;
            }

            seen.Select(p => p.UserId).Should().Contain(users.Select(user => user.Id)).And.OnlyHaveUniqueItems();
            seen.Should().OnlyContain(p => p.IsOnline);
            (await PresenceAsync(reader, $"?afterUserId={users[^1].Id}&limit=1000")).Should().NotContain(p => users.Any(user => user.Id == p.UserId));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("?userIds=abc")]
    [InlineData("?userIds=-1")]
    [InlineData("?userIds=1,,2")]
    [InlineData("?limit=0")]
    [InlineData("?limit=1001")]
    [InlineData("?limit=abc")]
    [InlineData("?afterUserId=-1")]
    [InlineData("?afterUserId=99999999999999999999")]
    [InlineData("?userIds=1&limit=5")]
    public async Task ABadUserIdListIsAValidationError(string query)
    {
        var user = await fixture.Api.CreateUserAsync("asker");
        using var http = fixture.Api.CreateClient(user);
        var response = await http.GetAsync("/api/presence" + query);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await NetraApi.ReadCodeAsync(response)).Should().Be(ErrorCodes.ValidationFailed);
    }

    private async Task<List<PresenceChangedEvent>> PresenceAsync(TestUser user, string query)
    {
        using var http = fixture.Api.CreateClient(user);
        var response = await http.GetAsync("/api/presence" + query);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<List<PresenceChangedEvent>>(NetraApi.Json))!;
    }
}
