using FluentAssertions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Netra.Client;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Client;

/// <summary>
/// A SignalR server answers the handshake before it has registered a connection (its user's channel on the backplane,
/// which a push to the user from another node goes through; Netra's holds the answer until then, see
/// <c>HandshakeGateTests</c>), so <see cref="NetraClient.ConnectAsync"/> and the Connected state wait for the server's
/// <c>ConnectionEstablished</c>. Here the hub's <c>OnConnectedAsync</c> is held by a filter, inside the gate, so the
/// handshake is done and <c>ConnectionEstablished</c> not yet sent.
/// </summary>
public sealed class NetraClientEstablishedTests : IAsyncLifetime
{
    private const int HubConnectionStartedEvent = 44; // SignalR's HubConnection: the handshake is done, StartAsync returns

    private readonly HoldPoint held = new();
    private NetraTestServer server = null!;

    public async Task InitializeAsync()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        server = await NetraTestServer.StartAsync(database, services: services =>
            services.Configure<HubOptions>(options => options.AddFilter(new HeldConnects(held))));
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task ConnectCompletesOnlyOnceTheServerHasSentConnectionEstablished()
    {
        var user = await new NetraApi(server).CreateUserAsync("held");
        await using var client = UserClient.Create(UserClient.StrictOptions(server, user.Token));
        held.Hold();

        var connect = client.Client.ConnectAsync();
        await held.Entered.WaitAsync(TestTimeouts.Network);

        (await StaysPendingAsync(connect)).Should().BeTrue("the handshake is done but the server has not set the connection up");
        client.Client.State.Should().Be(NetraConnectionState.Connecting);
        held.Release();
        await connect.WaitAsync(TestTimeouts.Network);
        client.Client.State.Should().Be(NetraConnectionState.Connected);
        (await client.Established.NextAsync()).UserId.Should().Be(user.Id);
        (await client.States.TakeAsync(2)).Select(s => s.State).Should().Equal(NetraConnectionState.Connecting, NetraConnectionState.Connected);
    }

    [Fact]
    public async Task ConnectCancelledWhileWaitingForConnectionEstablishedStopsTheConnectionAndThrows()
    {
        var user = await new NetraApi(server).CreateUserAsync("impatient");
        await using var client = UserClient.Create(UserClient.StrictOptions(server, user.Token));
        held.Hold();
        using var cancel = new CancellationTokenSource();

        var connect = client.Client.ConnectAsync(cancel.Token);
        await held.Entered.WaitAsync(TestTimeouts.Network);
        (await StaysPendingAsync(connect)).Should().BeTrue();
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => connect.WaitAsync(TestTimeouts.Network)).Should().ThrowAsync<OperationCanceledException>();
        client.Client.State.Should().Be(NetraConnectionState.Disconnected);
        held.Release();
        (await client.Established.StaysQuietAsync()).Should().BeTrue("the connection was stopped before the server established it");
        client.Client.State.Should().Be(NetraConnectionState.Disconnected);
    }

    [Fact]
    public async Task AReconnectIsReportedConnectedOnlyOnceTheServerHasSentConnectionEstablished()
    {
        var user = await new NetraApi(server).CreateUserAsync("held-again");
        await using var network = new TcpLoadBalancer([server.BaseAddress]);
        var options = UserClient.StrictOptions(network, user.Token);
        options.RetryPolicy = new ExponentialBackoffRetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(50), Jitter = false };
        options.SkipNegotiation = true; // the WebSocket is the only connection through the balancer
        await using var client = await UserClient.ConnectAsync(options);
        (await client.Established.NextAsync()).UserId.Should().Be(user.Id);
        await client.WaitForStateAsync(NetraConnectionState.Connected);

        held.Hold();
        network.DropOne().Should().BeTrue();
        await client.WaitForStateAsync(NetraConnectionState.Reconnecting);
        await held.Entered.WaitAsync(TestTimeouts.Network);

        (await client.States.StaysQuietAsync()).Should().BeTrue("the new connection is not set up on the server yet");
        client.Client.State.Should().Be(NetraConnectionState.Reconnecting);
        held.Release();
        await client.WaitForStateAsync(NetraConnectionState.Connected);
        (await client.Established.NextAsync()).UserId.Should().Be(user.Id);
    }

    [Fact]
    public async Task AFirstConnectDroppedBeforeConnectionEstablishedCompletesOnlyOnceTheReconnectIsEstablished()
    {
        var user = await new NetraApi(server).CreateUserAsync("dropped-first");
        await using var network = new TcpLoadBalancer([server.BaseAddress]);
        var options = UserClient.StrictOptions(network, user.Token);
        options.RetryPolicy = new ExponentialBackoffRetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(50), Jitter = false };
        options.SkipNegotiation = true; // the WebSocket is the only connection through the balancer
        var logs = new ClientLogs();
        options.LoggerFactory = logs.CreateFactory();
        await using var client = UserClient.Create(options);
        held.Hold();

        var connect = client.Client.ConnectAsync();
        await held.Entered.WaitAsync(TestTimeouts.Network);
        await logs.NextAsync(HubConnectionStartedEvent); // dropped after the handshake, not during it
        network.DropOne().Should().BeTrue();
        await client.WaitForStateAsync(NetraConnectionState.Reconnecting);

        (await StaysPendingAsync(connect)).Should().BeTrue("the client is reconnecting, not connected");
        held.Release();
        await connect.WaitAsync(TestTimeouts.Network);
        client.Client.State.Should().Be(NetraConnectionState.Connected);
        (await client.Established.NextAsync()).UserId.Should().Be(user.Id);
    }

    [Fact]
    public async Task AFirstConnectWaitingForTheReconnectStopsAndThrowsWhenItsTokenIsCancelled()
    {
        var user = await new NetraApi(server).CreateUserAsync("dropped-cancelled");
        await using var network = new TcpLoadBalancer([server.BaseAddress]);
        var options = UserClient.StrictOptions(network, user.Token);
        options.RetryPolicy = new ExponentialBackoffRetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(50), Jitter = false };
        options.SkipNegotiation = true;
        var logs = new ClientLogs();
        options.LoggerFactory = logs.CreateFactory();
        await using var client = UserClient.Create(options);
        using var cancel = new CancellationTokenSource();
        held.Hold();

        var connect = client.Client.ConnectAsync(cancel.Token);
        await held.Entered.WaitAsync(TestTimeouts.Network);
        await logs.NextAsync(HubConnectionStartedEvent);
        network.DropOne().Should().BeTrue();
        await client.WaitForStateAsync(NetraConnectionState.Reconnecting);
        await cancel.CancelAsync();

        await connect.Invoking(c => c.WaitAsync(TestTimeouts.Network)).Should().ThrowAsync<OperationCanceledException>();
        await client.WaitForStateAsync(NetraConnectionState.Disconnected);
        client.Client.State.Should().Be(NetraConnectionState.Disconnected);
        held.Release();
    }

    private static async Task<bool> StaysPendingAsync(Task task) =>
        await Task.WhenAny(task, Task.Delay(TestTimeouts.Quiet)) != task;

    /// <summary>Holds the hub's <c>OnConnectedAsync</c> (and so <c>ConnectionEstablished</c>) of connections made while held.</summary>
    private sealed class HeldConnects(HoldPoint point) : IHubFilter
    {
        public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
        {
            await point.PassAsync();
            await next(context);
        }
    }
}
