using FluentAssertions;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Netra.Contracts.Realtime;
using Netra.Server.Backplane;
using Netra.Server.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Realtime;

/// <summary>
/// A client's handshake is answered only once the hub lifetime manager has registered its connection (on a scaled-out
/// cluster: subscribed its user's channel on Redis), so that a bare SignalR client, which goes on as soon as its handshake
/// is answered, misses no push sent to its user from then on. Here the lifetime manager's <c>OnConnectedAsync</c> is held.
/// </summary>
public sealed class HandshakeGateTests : IAsyncLifetime
{
    private readonly HoldPoint held = new();
    private readonly List<HubConnectionContext> registered = [];
    private NetraTestServer server = null!;

    public async Task InitializeAsync()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        server = await NetraTestServer.StartAsync(database, services: services =>
        {
            services.AddSingleton<NetraHubLifetimeManager<NetraHub>>();
            services.AddSingleton<HubLifetimeManager<NetraHub>>(provider => new HeldRegistrations(held, registered, provider.GetRequiredService<NetraHubLifetimeManager<NetraHub>>()));
            services.AddSingleton<IGroupRunSender>(provider => provider.GetRequiredService<NetraHubLifetimeManager<NetraHub>>());
        });
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task ABareSignalRClientsHandshakeIsAnsweredOnlyOnceItsConnectionIsRegistered()
    {
        var user = await new NetraApi(server).CreateUserAsync("gated");
        held.Hold();

        var connect = HubTestClient.ConnectAsync(server, user);
        await held.Entered.WaitAsync(TestTimeouts.Network);

        (await Task.WhenAny(connect, Task.Delay(TestTimeouts.Quiet)) == connect).Should().BeFalse(
            "the handshake must not be answered before the connection can be reached");
        held.Release();
        await using var client = await connect.WaitAsync(TestTimeouts.Network);
        (await client.NextAsync<ConnectionEstablishedEvent>(nameof(INetraClient.ConnectionEstablished))).UserId.Should().Be(user.Id);
        (await client.Connection.InvokeAsync<PingResult>(HubMethods.Ping).WaitAsync(TestTimeouts.Network)).Should().NotBeNull();
    }

    [Fact]
    public async Task AHandshakeForAnUnknownProtocolStillGetsItsErrorThoughTheConnectionIsNeverRegistered()
    {
        var user = await new NetraApi(server).CreateUserAsync("xml");

        var refused = async () => await RawHubClient.ConnectAsync(server, user.Token, protocol: "xml");

        (await refused.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("'xml'");
        held.Entered.IsCompleted.Should().BeFalse("SignalR refuses the handshake before the lifetime manager is asked");
    }

    [Fact]
    public async Task AfterTheHandshakeEveryWriteGoesStraightToTheConnectionsOwnPipe()
    {
        var user = await new NetraApi(server).CreateUserAsync("open");
        await using var client = await HubTestClient.ConnectAsync(server, user);
        await client.NextAsync<ConnectionEstablishedEvent>(nameof(INetraClient.ConnectionEstablished));

        var connection = registered.Single();
        connection.Features.Get<IConnectionTransportFeature>()!.Transport.Output.Should().NotBeOfType<HandshakeGate>("an open gate leaves the connection");
        (await client.Connection.InvokeAsync<PingResult>(HubMethods.Ping).WaitAsync(TestTimeouts.Network)).Should().NotBeNull();
    }

    /// <summary>Netra's lifetime manager, whose <c>OnConnectedAsync</c> waits at the point while it is held.</summary>
    private sealed class HeldRegistrations(HoldPoint point, List<HubConnectionContext> registered, HubLifetimeManager<NetraHub> inner) : HubLifetimeManager<NetraHub>
    {
        public override async Task OnConnectedAsync(HubConnectionContext connection)
        {
            lock (registered)
            {
                registered.Add(connection);
            }

            await point.PassAsync();
            await inner.OnConnectedAsync(connection);
        }

        public override Task OnDisconnectedAsync(HubConnectionContext connection) => inner.OnDisconnectedAsync(connection);

        public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
            inner.SendAllAsync(methodName, args, cancellationToken);

        public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
            inner.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken);

        public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
            inner.SendConnectionAsync(connectionId, methodName, args, cancellationToken);

        public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
            inner.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken);

        public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
            inner.SendGroupAsync(groupName, methodName, args, cancellationToken);

        public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
            inner.SendGroupsAsync(groupNames, methodName, args, cancellationToken);

        public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
            inner.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken);

        public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
            inner.SendUserAsync(userId, methodName, args, cancellationToken);

        public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
            inner.SendUsersAsync(userIds, methodName, args, cancellationToken);

        public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
            inner.AddToGroupAsync(connectionId, groupName, cancellationToken);

        public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
            inner.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
    }
}
