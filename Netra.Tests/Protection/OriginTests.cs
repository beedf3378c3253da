using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Options;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Protection;

public sealed class OriginTests : IAsyncLifetime
{
    private NetraTestServer server = null!;
    private TestUser user = null!;

    public async Task InitializeAsync()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?>
        {
            ["Netra:Origins:Allowed:0"] = "https://app.example.com",
            ["Netra:Origins:Allowed:1"] = "https://*.tenants.example.org",
            ["Netra:Origins:Allowed:2"] = "http://localhost:5173",
        });
        user = await new NetraApi(server).CreateUserAsync("origin");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Theory]
    [InlineData("https://app.example.com")]
    [InlineData("https://acme.tenants.example.org")]
    [InlineData("https://a.b.tenants.example.org")]
    [InlineData("http://localhost:5173")]
    public async Task AllowedOriginsMayNegotiateAndOpenTheWebSocket(string origin)
    {
        (await NegotiateAsync(origin)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await HandshakeAsync(origin)).Status.Should().Be(HttpStatusCode.SwitchingProtocols);
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("http://app.example.com")]
    [InlineData("https://app.example.com:8443")]
    [InlineData("https://app.example.com.evil.com")]
    [InlineData("https://tenants.example.org")]
    [InlineData("https://eviltenants.example.org")]
    [InlineData("http://localhost.evil.com")]
    [InlineData("http://localhost:5174")]
    [InlineData("http://evil.com/?localhost")]
    [InlineData("http://evil.com/localhost:5173")]
    [InlineData("null")]
    [InlineData("not an origin")]
    public async Task OtherOriginsAreRefusedWith403OnNegotiateAndHandshake(string origin)
    {
        (await NegotiateAsync(origin)).StatusCode.Should().Be(HttpStatusCode.Forbidden, origin);
        (await HandshakeAsync(origin)).Status.Should().Be(HttpStatusCode.Forbidden, origin);
    }

    [Fact]
    public async Task RequestsWithoutAnOriginAndTheServersOwnPagesAreAllowed()
    {
        (await NegotiateAsync(null)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await HandshakeAsync(server.BaseAddress.GetLeftPart(UriPartial.Authority))).Status.Should().Be(HttpStatusCode.SwitchingProtocols);
    }

    [Fact]
    public async Task CorsAnswersNegotiateButNotTheWebSocketHandshake()
    {
        // Browsers do not apply CORS to a WebSocket (the origin check guards it), so its 101 carries no CORS headers.
        using var negotiate = await NegotiateAsync("https://app.example.com");
        negotiate.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("https://app.example.com");

        var (status, headers) = await HandshakeAsync("https://app.example.com");
        status.Should().Be(HttpStatusCode.SwitchingProtocols);
        headers.Should().NotBeNull().And.ContainKey("Upgrade");
        headers!.Keys.Should().NotContain(key => key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("https://app.example.com", true)]
    [InlineData("https://evil.example", false)]
    public async Task CorsPreflightAnswersOnlyAllowedOrigins(string origin, bool allowed)
    {
        using var http = server.CreateHttpClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/chats");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");

        var response = await http.SendAsync(preflight);

        response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values).Should().Be(allowed);
        if (allowed)
        {
            values.Should().Equal(origin);
        }
    }

    [Theory]
    [InlineData("*")]
    [InlineData("https://*.com")]
    [InlineData("https://*")]
    [InlineData("https://user:secret@app.example.com")]
    [InlineData("https://app.example.com/path")]
    [InlineData("https://app.*.example.com")]
    [InlineData("ftp://files.example.com")]
    [InlineData("app.example.com")]
    public async Task UnsafeOriginPatternsStopStartUp(string pattern)
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var start = () => NetraTestServer.StartAsync(database, new Dictionary<string, string?> { ["Netra:Origins:Allowed:0"] = pattern });
        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*Netra:Origins:Allowed*");
    }

    private async Task<HttpResponseMessage> NegotiateAsync(string? origin)
    {
        using var http = server.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ws/negotiate?negotiateVersion=1&access_token=" + Uri.EscapeDataString(user.Token));
        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }

        return await http.SendAsync(request);
    }

    private Task<(HttpStatusCode Status, IReadOnlyDictionary<string, IEnumerable<string>>? Headers)> HandshakeAsync(string origin) =>
        BareHandshake.OpenAsync(server, user.Token, origin);
}
