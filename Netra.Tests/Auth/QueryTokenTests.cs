using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Auth;

/// <summary>
/// A hub connection keeps its HTTP request for as long as it is open. The access token a browser puts in the query string
/// must not stay in it once read: not in the parsed query, the query string, nor the request line as the client sent it.
/// </summary>
public sealed class QueryTokenTests : IAsyncLifetime
{
    private readonly RequestSeen seen = new();
    private NetraTestServer server = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await server.DisposeAsync();

    /// <summary>A server whose hub sees each connection's request; <paramref name="direct"/>: Netra's own WebSocket transport on (the default).</summary>
    private async Task StartAsync(bool direct = true)
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        server = await NetraTestServer.StartAsync(
            database,
            new Dictionary<string, string?> { ["Netra:Realtime:DirectWebSockets"] = direct ? "true" : "false" },
            services: services => services.Configure<HubOptions>(options => options.AddFilter(seen)));
    }

    [Fact]
    public async Task TheTokenIsGoneFromTheRequestOfANegotiatedConnectionAndSignalRsIdStays()
    {
        await StartAsync();
        var user = await new NetraApi(server).CreateUserAsync("qt");
        using var http = server.CreateHttpClient();
        var negotiate = await http.PostAsync("/ws/negotiate?negotiateVersion=1&access_token=" + Uri.EscapeDataString(user.Token), null);
        negotiate.EnsureSuccessStatusCode();
        var id = (await negotiate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("connectionToken").GetString()!;

        // As a browser does: the negotiated id, then the token, in the WebSocket's query string.
        await using var client = await RawHubClient.ConnectAsync(server, user.Token, query: "id=" + Uri.EscapeDataString(id));
        var ping = await client.InvokeRawAsync("Ping", "[]");

        ping.TryGetProperty("error", out _).Should().BeFalse("the connection works without the token in its request");
        var request = seen.Requests.Should().ContainSingle().Which!;
        request.RawTarget.Should().Be("/ws?id=" + Uri.EscapeDataString(id));
        request.QueryString.Should().Be("?id=" + Uri.EscapeDataString(id));
        request.QueryKeys.Should().Equal("id");
    }

    [Fact]
    public async Task TheTokenIsGoneFromTheRequestOfABareWebSocketOnAspNetCoresPath()
    {
        await StartAsync(direct: false);
        var user = await new NetraApi(server).CreateUserAsync("qtb");
        await using var client = await RawHubClient.ConnectAsync(server, user.Token);
        await client.InvokeRawAsync("Ping", "[]"); // answered once OnConnectedAsync has run

        var request = seen.Requests.Should().ContainSingle().Which;
        request.Should().NotBeNull("ASP.NET Core's WebSocket path keeps the request for the connection's life");
        request!.RawTarget.Should().Be("/ws");
        request.QueryString.Should().BeEmpty();
        request.QueryKeys.Should().BeEmpty();
    }

    [Fact]
    public async Task ABareWebSocketOnNetrasTransportKeepsNoRequestAtAll()
    {
        await StartAsync();
        var user = await new NetraApi(server).CreateUserAsync("qtd");
        await using var client = await RawHubClient.ConnectAsync(server, user.Token);
        var ping = await client.InvokeRawAsync("Ping", "[]");

        ping.TryGetProperty("error", out _).Should().BeFalse();
        seen.Requests.Should().ContainSingle().Which.Should().BeNull("the handshake was read off the socket, and nothing of it is kept but the user");
    }

    private sealed record Request(string RawTarget, string QueryString, string[] QueryKeys);

    /// <summary>What the hub sees of each connection's request when it connects (null: no request).</summary>
    private sealed class RequestSeen : IHubFilter
    {
        public ConcurrentQueue<Request?> Requests { get; } = new();

        public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
        {
            if (context.Context.GetHttpContext() is not { } http)
            {
                Requests.Enqueue(null);
                return next(context);
            }

            Requests.Enqueue(new Request(
                http.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
                http.Request.QueryString.Value ?? "",
                [.. http.Request.Query.Keys]));
            return next(context);
        }
    }
}
