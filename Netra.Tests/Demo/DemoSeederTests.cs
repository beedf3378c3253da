using FluentAssertions;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Demo;

/// <summary>The README's demo logins work on a fresh database, and a restart seeds nothing twice.</summary>
public sealed class DemoSeederTests
{
    [Fact]
    public async Task TheDemoUsersCanLogInAndShareOneWelcomeChatAfterARestart()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["Netra:Demo:Enabled"] = "true" };
        await (await NetraTestServer.StartAsync(database, settings)).DisposeAsync();
        await using var server = await NetraTestServer.StartAsync(database, settings);
        var api = new NetraApi(server);

        var demo = await api.LoginAsync("demo", "demo-password");
        var alice = await api.LoginAsync("alice", "alice-password");
        using var http = api.CreateClient(new TestUser(demo.User.Id, "demo", demo.User.DisplayName, "demo-password", demo.AccessToken));
        var chats = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<List<Netra.Contracts.Chat.ChatSummary>>(http, "/api/chats", NetraApi.Json);

        chats.Should().ContainSingle().Which.MemberIds.Should().BeEquivalentTo([demo.User.Id, alice.User.Id]);
        chats![0].LastSeq.Should().Be(1, "the welcome message is stored once");
    }
}
