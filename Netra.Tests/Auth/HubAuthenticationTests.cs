using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Netra.Contracts.Auth;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Auth;

/// <summary>Only a valid token reaches the hub; everything else is a 401 at the handshake.</summary>
/// <remarks>
/// Handshakes are bare WebSockets; the expiry test holds a HubTestClient because it is about the server closing the socket
/// (what Netra.Client then does, a refresh, is NetraClientTokenRefreshTests'). Connecting users are played by Netra.Client.
/// </remarks>
public sealed class HubAuthenticationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private NetraTestServer Server => fixture.Server;

    public static TheoryData<string, string> BadTokens() => new()
    {
        { "none", "" },
        { "garbage", "not-a-jwt" },
        { "forged", TestTokens.Create(1, key: "another-key-that-is-long-enough-for-hs256!!") },
        { "expired", TestTokens.Create(1, expires: DateTime.UtcNow.AddMinutes(-10)) },
        { "alg none", TestTokens.WithoutSignature(1) },
        { "wrong audience", TestTokens.Create(1, audience: "someone-else") },
        { "wrong issuer", TestTokens.Create(1, issuer: "someone-else") },
        { "HS512", TestTokens.Create(1, algorithm: Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha512) },
        { "a service whose sub is a name", TestTokens.WithSubject("issue-tracker", roles: "service") },
        { "a sub with leading zeros", TestTokens.WithSubject("007") },
        { "sub 0", TestTokens.WithSubject("0") },
        { "no sub", TestTokens.WithSubject("") },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task NegotiateWithABadTokenGets401(string kind, string token)
    {
        using var http = Server.CreateHttpClient();
        var query = token.Length == 0 ? "" : "&access_token=" + Uri.EscapeDataString(token);

        var response = await http.PostAsync("/ws/negotiate?negotiateVersion=1" + query, null);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, kind);
        (await NetraApi.ReadCodeAsync(response)).Should().Be("UNAUTHORIZED");
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task AWebSocketHandshakeWithABadTokenGets401(string kind, string token)
    {
        var status = await HandshakeAsync(token);
        status.Should().Be(HttpStatusCode.Unauthorized, kind);
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task TheTokenCheckRefusesWhatTheHandshakeRefuses(string kind, string token)
    {
        using var http = token.Length == 0 ? Server.CreateHttpClient() : new NetraApi(Server).CreateBearerClient(token);

        var response = await http.GetAsync("/api/auth/me");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, kind);
        (await NetraApi.ReadCodeAsync(response)).Should().Be("UNAUTHORIZED", kind);
    }

    [Fact]
    public async Task TheTokenCheckSaysWhomAUserOrServiceTokenNames()
    {
        var api = new NetraApi(Server);
        var user = await api.CreateUserAsync("me");
        using var userHttp = api.CreateClient(user);
        using var serviceHttp = api.CreateServiceClient(serviceId: 900_123);

        var mine = await userHttp.GetFromJsonAsync<TokenInfo>("/api/auth/me", NetraApi.Json);
        var service = await serviceHttp.GetFromJsonAsync<TokenInfo>("/api/auth/me", NetraApi.Json);

        mine.Should().NotBeNull();
        mine!.UserId.Should().Be(user.Id);
        mine.UserName.Should().Be(user.UserName);
        mine.Roles.Should().BeEmpty();
        service!.UserId.Should().Be(900_123);
        service.Roles.Should().Equal("service");
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task TheClientLibraryReportsTheRefusal(string kind, string token)
    {
        var connect = () => UserClient.ConnectAsync(Server, token.Length == 0 ? null : token);
        (await connect.Should().ThrowAsync<Exception>(kind)).Which.ToString().Should().Contain("401");
    }

    [Fact]
    public async Task AValidTokenInTheQueryStringOpensTheHubAndTheServerSaysWhoWeAre()
    {
        var user = await fixture.Api.CreateUserAsync("ws");
        (await HandshakeAsync(user.Token)).Should().Be(HttpStatusCode.SwitchingProtocols);

        await using var client = await UserClient.ConnectAsync(Server, user);
        var established = await client.Established.NextAsync();
        established.UserId.Should().Be(user.Id);
        established.UserName.Should().Be(user.UserName);
        established.ConnectionId.Should().NotBeNullOrEmpty();
        established.KeepAliveIntervalMs.Should().Be(15_000);
        established.ClientTimeoutMs.Should().Be(30_000);
    }

    [Fact]
    public async Task TheQueryStringTokenIsAcceptedOnlyOnTheHubPath()
    {
        var user = await fixture.Api.CreateUserAsync("qs");
        using var http = Server.CreateHttpClient();

        var response = await http.GetAsync("/api/chats?access_token=" + Uri.EscapeDataString(user.Token));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnExpiredTokenIsRejectedWhileTheSameUsersFreshTokenWorks()
    {
        var user = await fixture.Api.CreateUserAsync("exp");
        (await HandshakeAsync(TestTokens.Create(user.Id, expires: DateTime.UtcNow.AddMinutes(-5)))).Should().Be(HttpStatusCode.Unauthorized);
        (await HandshakeAsync(TestTokens.Create(user.Id))).Should().Be(HttpStatusCode.SwitchingProtocols);
    }

    [Fact]
    public async Task AConnectionIsClosedWhenItsTokenExpires()
    {
        var user = await fixture.Api.CreateUserAsync("short");
        var token = TestTokens.Create(user.Id, expires: DateTime.UtcNow.AddSeconds(3));
        await using var client = await HubTestClient.ConnectAsync(Server, token);

        await client.Closed.Task.WaitAsync(TestTimeouts.Network);

        client.Connection.State.Should().Be(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Disconnected);
    }

    /// <summary>A bare WebSocket handshake to /ws (no negotiate), returning the HTTP status the server answered.</summary>
    private async Task<HttpStatusCode> HandshakeAsync(string token) => (await BareHandshake.OpenAsync(Server, token)).Status;
}
