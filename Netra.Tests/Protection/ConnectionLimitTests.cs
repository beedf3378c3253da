using FluentAssertions;
using Microsoft.AspNetCore.SignalR.Client;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Protection;

/// <summary>The connection caps per user and per node.</summary>
/// <remarks>Speaks the wire (HubTestClient): it counts bare connections and reads the refused one's Error and close itself, with no client reconnecting.</remarks>
public sealed class ConnectionLimitTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task TheSixthConnectionOfAUserIsRefusedWithConnectionLimitAndTheFiveStay()
    {
        var user = await fixture.Api.CreateUserAsync("tabs");
        var other = await fixture.Api.CreateUserAsync("other");
        var open = new List<HubTestClient>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                open.Add(await HubTestClient.ConnectAsync(fixture.Server, user));

                // Counted in OnConnectedAsync, after the handshake; ConnectionEstablished comes after it.
                await open[^1].NextAsync<ConnectionEstablishedEvent>(nameof(INetraClient.ConnectionEstablished));
            }

            await using var sixth = await HubTestClient.ConnectAsync(fixture.Server, user);
            var error = await sixth.NextAsync<ErrorEvent>(nameof(INetraClient.Error));
            var closedWith = await sixth.Closed.Task.WaitAsync(TestTimeouts.Network);

            error.Code.Should().Be("CONNECTION_LIMIT");
            error.Recoverable.Should().BeFalse();
            error.Help.Should().NotBeNullOrEmpty();
            closedWith!.Message.Should().Contain("CONNECTION_LIMIT: 5 connections per user");
            open.Should().AllSatisfy(c => c.Connection.State.Should().Be(HubConnectionState.Connected));
            await using var someoneElse = await HubTestClient.ConnectAsync(fixture.Server, other);
            someoneElse.Connection.State.Should().Be(HubConnectionState.Connected, "the limit is per user");

            // Closing one of the five frees a place.
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await using var again = await HubTestClient.ConnectAsync(fixture.Server, user);
            (await again.Connection.InvokeAsync<PingResult>(HubMethods.Ping).WaitAsync(TestTimeouts.Network)).Should().NotBeNull();
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ANodeRefusesConnectionsBeyondItsCap()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?> { ["Netra:Limits:MaxConnectionsPerNode"] = "2" });
        var api = new NetraApi(server);
        var users = new[] { await api.CreateUserAsync("n1"), await api.CreateUserAsync("n2"), await api.CreateUserAsync("n3") };
        await using var first = await HubTestClient.ConnectAsync(server, users[0]);
        await using var second = await HubTestClient.ConnectAsync(server, users[1]);
        await first.NextAsync<ConnectionEstablishedEvent>(nameof(INetraClient.ConnectionEstablished));
        await second.NextAsync<ConnectionEstablishedEvent>(nameof(INetraClient.ConnectionEstablished));

        await using var third = await HubTestClient.ConnectAsync(server, users[2]);

        (await third.NextAsync<ErrorEvent>(nameof(INetraClient.Error))).Code.Should().Be("CONNECTION_LIMIT");
        (await third.Closed.Task.WaitAsync(TestTimeouts.Network))!.Message.Should().Contain("CONNECTION_LIMIT: this node already serves its limit of 2");
    }
}
