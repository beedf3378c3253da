using System.Net;
using System.Net.Http.Json;
using Dapper;
using FluentAssertions;
using Microsoft.IdentityModel.JsonWebTokens;
using Netra.Contracts.Auth;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Auth;

public sealed class AuthApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private NetraTestServer Server => fixture.Server;

    [Fact]
    public async Task RegisterCreatesAUserAndLoginIssuesATokenForIt()
    {
        using var http = Server.CreateHttpClient();
        var userName = "reg-" + Guid.NewGuid().ToString("N")[..8];

        var register = await http.PostAsJsonAsync("/api/auth/register", new RegisterRequest(userName, "correct-horse", "Reg User"));
        register.StatusCode.Should().Be(HttpStatusCode.Created);
        var user = await register.Content.ReadFromJsonAsync<UserInfo>(NetraApi.Json);
        user!.UserName.Should().Be(userName);
        user.DisplayName.Should().Be("Reg User");
        user.Id.Should().BePositive();

        var login = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(userName.ToUpperInvariant(), "correct-horse"));
        login.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await login.Content.ReadFromJsonAsync<LoginResponse>(NetraApi.Json);
        body!.User.Should().Be(user);
        body.ExpiresAt.Should().BeAfter(DateTimeOffset.UtcNow.AddHours(1));

        var token = new JsonWebToken(body.AccessToken);
        token.Alg.Should().Be("HS256");
        token.Subject.Should().Be(user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        token.GetClaim("name").Value.Should().Be(userName);
        token.Issuer.Should().Be("netra");
        token.Audiences.Should().Equal("netra");
    }

    [Fact]
    public async Task PasswordsAreStoredHashedNeverInPlainText()
    {
        var user = await fixture.Api.CreateUserAsync("hash");
        await using var db = new NpgsqlConnection(Server.PostgresConnectionString);
        var hash = await db.ExecuteScalarAsync<string>("SELECT password_hash FROM users WHERE id = @id", new { id = user.Id });
        hash.Should().NotContain(user.Password);
        Convert.FromBase64String(hash!)[0].Should().Be(0x01, "ASP.NET Core Identity's v3 hash format starts with 0x01");
    }

    [Fact]
    public async Task ATakenUserNameIsRefusedWithConflictRegardlessOfCase()
    {
        var user = await fixture.Api.CreateUserAsync("dup");
        using var http = Server.CreateHttpClient();

        var response = await http.PostAsJsonAsync("/api/auth/register", new RegisterRequest(user.UserName.ToUpperInvariant(), "another-password", "Other"));

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await NetraApi.ReadCodeAsync(response)).Should().Be("CONFLICT");
    }

    [Theory]
    [InlineData("""{"userName":"ab","password":"long-enough","displayName":"x"}""")]
    [InlineData("""{"userName":"has space","password":"long-enough","displayName":"x"}""")]
    [InlineData("""{"userName":"line-feed\n","password":"long-enough","displayName":"x"}""")]
    [InlineData("""{"userName":"ok-name-1","password":"short","displayName":"x"}""")]
    [InlineData("""{"userName":"ok-name-2","password":"long-enough","displayName":"   "}""")]
    [InlineData("""{"userName":"ok-name-3","password":"long-enough","displayName":"bell\u0007"}""")]
    [InlineData("""{"userName":"ok-name-4","password":"long-enough","displayName":"\ud800"}""")]
    [InlineData("""{"userName":"ok-name-5","password":"long-enough"}""")]
    [InlineData("""{"userName":"ok-name-6","password":"long-enough","displayName":"0123456789012345678901234567890123456789012345678901234567890123456789"}""")]
    [InlineData("""{"userName":12,"password":"long-enough","displayName":"x"}""")]
    [InlineData("""{"userName":"ok-name-7",""")]
    [InlineData("null")]
    [InlineData("")]
    public async Task InvalidRegistrationsAreRefusedWithValidationFailedAndStoreNothing(string body)
    {
        using var http = Server.CreateHttpClient();
        var before = await CountUsersAsync();

        var response = await http.PostAsync("/api/auth/register", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await NetraApi.ReadCodeAsync(response)).Should().Be("VALIDATION_FAILED");
        (await CountUsersAsync()).Should().Be(before);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AWrongPasswordOrUnknownUserGets401(bool knownUser)
    {
        var user = await fixture.Api.CreateUserAsync("login");
        using var http = Server.CreateHttpClient();

        var response = await http.PostAsJsonAsync("/api/auth/login",
            knownUser ? new LoginRequest(user.UserName, "wrong-password") : new LoginRequest("nobody-" + Guid.NewGuid().ToString("N")[..8], user.Password));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await NetraApi.ReadCodeAsync(response)).Should().Be("UNAUTHORIZED");
    }

    [Theory]
    [InlineData("""{"userName":"","password":"x"}""")]
    [InlineData("""{"userName":"someone"}""")]
    [InlineData("""[1,2,3]""")]
    public async Task AMalformedLoginGetsValidationFailed(string body)
    {
        using var http = Server.CreateHttpClient();
        var response = await http.PostAsync("/api/auth/login", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await NetraApi.ReadCodeAsync(response)).Should().Be("VALIDATION_FAILED");
    }

    private async Task<long> CountUsersAsync()
    {
        await using var db = new NpgsqlConnection(Server.PostgresConnectionString);
        return await db.ExecuteScalarAsync<long>("SELECT count(*) FROM users");
    }
}
