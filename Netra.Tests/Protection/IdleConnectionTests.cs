using FluentAssertions;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Netra.Contracts.Realtime;
using Netra.Server.Metrics;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Protection;

/// <summary>The server drops a connection that sends nothing for its client timeout and frees what it held.</summary>
/// <remarks>Speaks the wire: the silent clients are a HubConnection with its pings turned off and a bare WebSocket, and the live ones ping faster than NetraClient's fixed interval.</remarks>
public sealed class IdleConnectionTests
{
    /// <summary>Well under the 2 s client timeout these tests run with, so that only the silent client is dropped.</summary>
    private static readonly TimeSpan PingEvery = TimeSpan.FromMilliseconds(400);

    [Fact]
    public async Task ASilentClientIsDroppedAfterTheClientTimeoutAndItsPlaceIsFreed()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?>
        {
            ["Netra:Realtime:KeepAliveSeconds"] = "1",
            ["Netra:Realtime:ClientTimeoutSeconds"] = "2",
            ["Netra:Limits:MaxConnectionsPerUser"] = "1",
        });
        var user = await new NetraApi(server).CreateUserAsync("silent");
        var metrics = server.Services.GetRequiredService<NetraMetrics>();

        // A client that stops sending its pings (a frozen tab, a dead network path) is dropped by the server.
        await using var silent = await HubTestClient.ConnectAsync(server, user);
        silent.Connection.KeepAliveInterval = TimeSpan.FromMinutes(10);
        silent.Connection.ServerTimeout = TimeSpan.FromMinutes(20);

        await silent.Closed.Task.WaitAsync(TestTimeouts.Network);
        // The client sees the close first; the server releases the connection's place as it finishes closing it.
        await Eventually.UntilAsync(() => metrics.ActiveConnections == 0);
        await using var next = await HubTestClient.ConnectAsync(server, user.Token, keepAlive: PingEvery);
        (await next.Connection.InvokeAsync<PingResult>(HubMethods.Ping).WaitAsync(TestTimeouts.Network)).Should().NotBeNull("the dropped connection no longer counts against the limit of 1");
        await Eventually.UntilAsync(() => metrics.ActiveConnections == 1);
    }

    [Fact]
    public async Task ABareWebSocketThatCompletesTheHandshakeAndGoesSilentIsClosedAndEverythingItHeldIsReleased()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?>
        {
            ["Netra:Realtime:KeepAliveSeconds"] = "1",
            ["Netra:Realtime:ClientTimeoutSeconds"] = "2",
            ["Netra:Limits:MaxConnectionsPerUser"] = "1",
        });
        var api = new NetraApi(server);
        var (silentUser, watcher) = (await api.CreateUserAsync("silent"), await api.CreateUserAsync("watcher"));
        await using var watching = await HubTestClient.ConnectAsync(server, watcher.Token, keepAlive: PingEvery);
        await watching.SubscribeAsync(Netra.Contracts.Channels.Presence);

        // Skips negotiation, completes the handshake, subscribes, then sends nothing at all (a half-open TCP path looks the same).
        await using var silent = await RawHubClient.ConnectAsync(server, silentUser.Token);
        (await silent.InvokeRawAsync(HubMethods.Subscribe, """["presence", null]""")).TryGetProperty("error", out _).Should().BeFalse();
        (await watching.NextPresenceOfAsync(silentUser.Id)).IsOnline.Should().BeTrue();

        (await watching.NextPresenceOfAsync(silentUser.Id)).IsOnline.Should().BeFalse("the silent connection was closed and its presence released");
        (await silent.ClosedByServerAsync()).Should().BeTrue();
        server.Logs.Lines.Should().Contain(line => line.Message.Contains("the client sent nothing for 2 s", StringComparison.Ordinal));
        var metrics = server.Services.GetRequiredService<NetraMetrics>();
        await Eventually.UntilAsync(() => metrics.ActiveConnections == 1); // the watcher's only
        await using var next = await HubTestClient.ConnectAsync(server, silentUser.Token, keepAlive: PingEvery);
        (await next.Connection.InvokeAsync<PingResult>(HubMethods.Ping).WaitAsync(TestTimeouts.Network)).Should().NotBeNull("its connection-limit place of 1 was freed");
    }
}
