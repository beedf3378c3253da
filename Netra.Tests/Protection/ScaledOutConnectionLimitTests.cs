using FluentAssertions;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Netra.Server.Metrics;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Protection;

/// <summary>Two nodes sharing one real Redis count a user's open connections together.</summary>
/// <remarks>Speaks the wire (HubTestClient): it counts bare connections and reads the refused one's Error and close itself, with no client reconnecting.</remarks>
public sealed class ScaledOutConnectionLimitTests
{
    [Fact]
    public async Task TheConnectionLimitPerUserIsCountedAcrossNodes()
    {
        await using var redis = await RedisServer.StartAsync();
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["Netra:Limits:MaxConnectionsPerUser"] = "2",
        };
        await using var nodeA = await NetraTestServer.StartAsync(database, settings);
        await using var nodeB = await NetraTestServer.StartAsync(database, settings);
        var alice = await new NetraApi(nodeA).CreateUserAsync("twotabs");

        await using var onA = await HubTestClient.ConnectAsync(nodeA, alice);
        var onB = await HubTestClient.ConnectAsync(nodeB, alice);

        // A connection is counted in OnConnectedAsync, which runs after the handshake; ConnectionEstablished comes after it.
        await onA.NextAsync<ConnectionEstablishedEvent>(nameof(INetraClient.ConnectionEstablished));
        await onB.NextAsync<ConnectionEstablishedEvent>(nameof(INetraClient.ConnectionEstablished));
        await using (var third = await HubTestClient.ConnectAsync(nodeA, alice))
        {
            (await third.NextAsync<ErrorEvent>(nameof(INetraClient.Error))).Code.Should().Be("CONNECTION_LIMIT");
            (await third.Closed.Task.WaitAsync(TestTimeouts.Network))!.Message.Should().Contain("CONNECTION_LIMIT: 2 connections per user");
        }

        // Closing the tab on node B frees a place that node A can give out, once node B has let it go.
        await onB.DisposeAsync();
        var metricsB = nodeB.Services.GetRequiredService<NetraMetrics>();
        await Eventually.UntilAsync(() => metricsB.ActiveConnections == 0);

        await using var again = await HubTestClient.ConnectAsync(nodeA, alice);
        (await again.Connection.InvokeAsync<PingResult>(HubMethods.Ping).WaitAsync(TestTimeouts.Network)).Should().NotBeNull();
        onA.Connection.State.Should().Be(HubConnectionState.Connected);
    }
}
