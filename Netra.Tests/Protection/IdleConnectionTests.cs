using FluentAssertions;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Netra.Contracts.Realtime;
using Netra.Server.Metrics;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Protection;

public sealed class IdleConnectionTests
{
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
        // (It negotiates, as every SignalR client does by default. A bare WebSocket that skips negotiation
        // and then stays silent was not dropped within 20 s in our trials: see the note on issue 6.)
        await using var silent = await HubTestClient.ConnectAsync(server, user);
        silent.Connection.KeepAliveInterval = TimeSpan.FromMinutes(10);
        silent.Connection.ServerTimeout = TimeSpan.FromMinutes(20);

        await silent.Closed.Task.WaitAsync(TestTimeouts.Network);
        await using var next = await HubTestClient.ConnectAsync(server, user);
        (await next.Connection.InvokeAsync<PingResult>(HubMethods.Ping).WaitAsync(TestTimeouts.Network)).Should().NotBeNull("the dropped connection no longer counts against the limit of 1");
        await Eventually.UntilAsync(() => metrics.ActiveConnections == 1);
    }
}
