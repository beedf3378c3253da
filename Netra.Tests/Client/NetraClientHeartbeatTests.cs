using FluentAssertions;
using Netra.Client;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Client;

public sealed class NetraClientHeartbeatTests
{
    [Fact]
    public async Task AnIdleClientFollowsTheServersAnnouncedTimeoutAndIsNotDropped()
    {
        // The server drops a client silent for 3 s: far sooner than SignalR's default 15 s client pings.
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?>
        {
            ["Netra:Realtime:KeepAliveSeconds"] = "1",
            ["Netra:Realtime:ClientTimeoutSeconds"] = "3",
        });
        var user = await new NetraApi(server).CreateUserAsync("idle");
        await using var idle = await UserClient.ConnectAsync(server, user);

        // Idle for more than two of the server's client timeouts (the strict client does not reconnect: a drop stays visible).
        await Task.Delay(TimeSpan.FromSeconds(7));

        idle.Client.State.Should().Be(NetraConnectionState.Connected);
        (await idle.States.WithinQuietAsync(change => change.State is NetraConnectionState.Disconnected or NetraConnectionState.Reconnecting)).Should().BeEmpty();
        await idle.Client.PingAsync().WaitAsync(TestTimeouts.Network);
    }
}
