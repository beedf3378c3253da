using System.Net;
using System.Net.Http.Json;
using Dapper;
using FluentAssertions;
using Microsoft.IdentityModel.JsonWebTokens;
using Netra.Contracts;
using Netra.Client;
using Netra.Contracts.Auth;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Auth;

/// <summary>
/// Service tokens for backends: <c>dotnet Netra.Server.dll --issue-service-token NAME [--days N]</c> and
/// <c>POST /api/admin/service-tokens</c> (role admin) mint tokens with role service that the publish APIs accept.
/// </summary>
public sealed class ServiceTokenTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task TheCommandLinePrintsAServiceTokenThatThePublishApiAccepts()
    {
        var (exitCode, stdout, stderr) = await RunServerAsync("--issue-service-token", "issue-tracker", "--days", "7");

        exitCode.Should().Be(0, stderr);
        var token = stdout.Trim();
        var jwt = new JsonWebToken(token);
        jwt.GetClaim("role").Value.Should().Be("service");
        jwt.GetClaim("name").Value.Should().Be("service:issue-tracker");
        jwt.ValidTo.Should().BeCloseTo(DateTime.UtcNow.AddDays(7), TimeSpan.FromHours(1));
        stderr.Should().Contain("issue-tracker");

        (await PublishAsync(token)).StatusCode.Should().Be(HttpStatusCode.Accepted);

        // The same backend again: another token for the same service user.
        var again = await RunServerAsync("--issue-service-token", "issue-tracker");
        again.ExitCode.Should().Be(0, again.Stderr);
        new JsonWebToken(again.Stdout.Trim()).Subject.Should().Be(jwt.Subject);
    }

    [Theory]
    [InlineData("--issue-service-token")]
    [InlineData("--issue-service-token", "Bad Name!")]
    [InlineData("--issue-service-token", "builds", "--days", "0")]
    [InlineData("--issue-service-token", "builds", "--days", "forever")]
    public async Task TheCommandLineRefusesBadArgumentsWithExitCode2AndPrintsNoToken(params string[] args)
    {
        var (exitCode, stdout, stderr) = await RunServerAsync(args);

        exitCode.Should().Be(2, stderr);
        stdout.Should().BeEmpty();
        stderr.Should().Contain("--issue-service-token");
    }

    [Fact]
    public async Task AnAdminMintsServiceTokensOverHttpAndNobodyElseMay()
    {
        using var admin = Client(TestTokens.Create(900_100, roles: "admin"));
        var response = await admin.PostAsJsonAsync("/api/admin/service-tokens", new CreateServiceTokenRequest("alerting", 30));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var issued = (await response.Content.ReadFromJsonAsync<LoginResponse>(NetraApi.Json))!;
        issued.User.UserName.Should().Be("service:alerting");
        (await PublishAsync(issued.AccessToken)).StatusCode.Should().Be(HttpStatusCode.Accepted);

        var user = await fixture.Api.CreateUserAsync("plain");
        foreach (var token in new[] { user.Token, TestTokens.Create(900_101, roles: "service") })
        {
            using var http = Client(token);
            (await http.PostAsJsonAsync("/api/admin/service-tokens", new CreateServiceTokenRequest("sneaky", 30))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }

        using var anonymous = Client(null);
        (await anonymous.PostAsJsonAsync("/api/admin/service-tokens", new CreateServiceTokenRequest("sneaky", 30))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        foreach (var bad in new object[] { new { name = "", days = 1 }, new { name = new string('a', 10_240), days = 1 }, new { name = "ok", days = 99_999 }, new { name = "../x", days = 1 } })
        {
            var refused = await admin.PostAsJsonAsync("/api/admin/service-tokens", bad);
            (await NetraApi.ReadCodeAsync(refused)).Should().Be(ErrorCodes.ValidationFailed);
        }

        // A service user cannot log in with a password.
        using var login = Client(null);
        (await login.PostAsJsonAsync("/api/auth/login", new LoginRequest("service:alerting", ""))).StatusCode.Should().NotBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task TheCommandLineRevokesABackendsTokensAndRefusesUnknownOrMissingNames()
    {
        var issued = await RunServerAsync("--issue-service-token", "cli-revoked");
        issued.ExitCode.Should().Be(0, issued.Stderr);

        var (exitCode, stdout, stderr) = await RunServerAsync("--revoke-service-tokens", "cli-revoked");

        exitCode.Should().Be(0, stderr);
        stdout.Should().BeEmpty();
        stderr.Should().Contain("cli-revoked");
        (await PublishAsync(issued.Stdout.Trim())).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        foreach (var args in new[] { new[] { "--revoke-service-tokens", "never-issued" }, ["--revoke-service-tokens"], ["--revoke-service-tokens", "Bad Name!"] })
        {
            var refused = await RunServerAsync(args);
            refused.ExitCode.Should().Be(2, refused.Stderr);
            refused.Stderr.Should().Contain("--revoke-service-tokens");
        }
    }

    [Fact]
    public async Task AnAdminRevokesEveryTokenABackendWasGivenSoFarAndOnlyThose()
    {
        using var admin = Client(TestTokens.Create(900_110, roles: "admin"));
        var (first, second, bystander) = (await IssueAsync(admin, "deployer"), await IssueAsync(admin, "deployer"), await IssueAsync(admin, "bystander"));
        (await PublishAsync(first)).StatusCode.Should().Be(HttpStatusCode.Accepted);

        (await admin.DeleteAsync("/api/admin/service-tokens/deployer")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        foreach (var revoked in new[] { first, second })
        {
            var refused = await PublishAsync(revoked);
            refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            (await NetraApi.ReadCodeAsync(refused)).Should().Be(ErrorCodes.Unauthorized);
            using var hub = Client(revoked);
            (await hub.PostAsync("/ws/negotiate?negotiateVersion=1", null)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        (await PublishAsync(bystander)).StatusCode.Should().Be(HttpStatusCode.Accepted, "another backend's tokens stay valid");

        // Tokens issued from the second after the revocation on are valid again.
        await using (var connection = new NpgsqlConnection(fixture.Server.PostgresConnectionString))
        {
            var validAfter = await connection.ExecuteScalarAsync<DateTime>("SELECT tokens_valid_after FROM users WHERE user_name = 'service:deployer'");
            var wait = DateTime.SpecifyKind(validAfter, DateTimeKind.Utc) - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait + TimeSpan.FromMilliseconds(50));
            }
        }

        (await PublishAsync(await IssueAsync(admin, "deployer"))).StatusCode.Should().Be(HttpStatusCode.Accepted);
        fixture.Server.Logs.Lines.Should().Contain(line => line.EventId.Id == 11601 && line.Message.Contains("deployer"));
    }

    [Fact]
    public async Task AHubConnectionOpenedWithARevokedTokenIsClosedWhileOthersStayOpen()
    {
        using var admin = Client(TestTokens.Create(900_112, roles: "admin"));
        var (watched, other) = (await IssueAsync(admin, "watched"), await IssueAsync(admin, "unrevoked"));
        var human = await fixture.Api.CreateUserAsync("human");
        await using var revoked = await UserClient.ConnectAsync(fixture.Server, watched);
        await using var kept = await UserClient.ConnectAsync(fixture.Server, other);
        await using var person = await UserClient.ConnectAsync(fixture.Server, human);

        (await admin.DeleteAsync("/api/admin/service-tokens/watched")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await revoked.WaitForStateAsync(NetraConnectionState.Disconnected)).Should().NotBeNull();
        fixture.Server.Logs.Lines.Should().Contain(line => line.EventId.Id == 11602);
        foreach (var open in new[] { kept, person })
        {
            (await open.Client.PingAsync().WaitAsync(TestTimeouts.Network)).Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
            open.Client.State.Should().Be(NetraConnectionState.Connected);
        }
    }

    [Fact]
    public async Task RevokingRefusesUnknownAndMalformedNamesAndAnyoneButAnAdmin()
    {
        using var admin = Client(TestTokens.Create(900_111, roles: "admin"));
        var plain = await fixture.Api.CreateUserAsync("plain");

        (await NetraApi.ReadCodeAsync(await admin.DeleteAsync("/api/admin/service-tokens/nobody-here"))).Should().Be(ErrorCodes.NotFound);
        foreach (var bad in new[] { "Bad%20Name", "..%2Fx", new string('a', 41) })
        {
            (await NetraApi.ReadCodeAsync(await admin.DeleteAsync($"/api/admin/service-tokens/{bad}"))).Should().Be(ErrorCodes.ValidationFailed, bad);
        }

        var token = await IssueAsync(admin, "kept");
        foreach (var (caller, status) in new[] { (plain.Token, HttpStatusCode.Forbidden), (token, HttpStatusCode.Forbidden), (null, HttpStatusCode.Unauthorized) })
        {
            using var http = Client(caller);
            (await http.DeleteAsync("/api/admin/service-tokens/kept")).StatusCode.Should().Be(status);
        }

        (await PublishAsync(token)).StatusCode.Should().Be(HttpStatusCode.Accepted, "a refused revocation changes nothing");
    }

    private static async Task<string> IssueAsync(HttpClient admin, string name)
    {
        var response = await admin.PostAsJsonAsync("/api/admin/service-tokens", new CreateServiceTokenRequest(name, 1));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<LoginResponse>(NetraApi.Json))!.AccessToken;
    }

    private HttpClient Client(string? token) => token is null ? fixture.Server.CreateHttpClient() : fixture.Api.CreateBearerClient(token);

    private async Task<HttpResponseMessage> PublishAsync(string token)
    {
        using var http = Client(token);
        return await http.PostAsJsonAsync("/api/publish", new { channel = "app:tokens", type = "check", payload = new { ok = true } });
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> RunServerAsync(params string[] args) =>
        ServerCommand.RunAsync(fixture.Server.PostgresConnectionString, args);
}
