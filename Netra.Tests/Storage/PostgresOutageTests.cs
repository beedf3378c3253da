using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Netra.Contracts;
using Netra.Contracts.Realtime;
using Netra.Server.Storage;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Storage;

/// <summary>
/// PostgreSQL taken away under a running node (its connections terminated) and brought back: requests and hub calls
/// that need it fail with a clear error (HTTP 503 with <c>Retry-After</c>, the hub's <c>INTERNAL: ...</c> naming the
/// database), the node and its connections stay up, and once the database is back the same send is stored once.
/// </summary>
public sealed class PostgresOutageTests
{
    [Theory]
    [InlineData("57P01", true)] // admin_shutdown: the server is stopping
    [InlineData("57P03", true)] // cannot_connect_now: still starting
    [InlineData("08006", true)] // connection_failure
    [InlineData("53300", true)] // too_many_connections
    [InlineData("23505", false)] // unique_violation: an answer from a working server
    [InlineData("40001", false)] // serialization_failure: transient, but the server is there
    [InlineData("42P01", false)] // undefined_table: a bug, not an outage
    public void OnlyErrorsThatSayPostgresIsOutOfReachCountAsUnavailable(string sqlState, bool unavailable)
    {
        var error = new PostgresException("test", "ERROR", "ERROR", sqlState);

        PostgresErrors.IsUnavailable(error).Should().Be(unavailable);
        PostgresErrors.IsUnavailable(new InvalidOperationException("wrapped", error)).Should().Be(unavailable);
    }

    [Fact]
    public void ABrokenConnectionIsUnavailableAndAnOrdinaryExceptionIsNot()
    {
        PostgresErrors.IsUnavailable(new NpgsqlException("Exception while reading from stream", new IOException("reset"))).Should().BeTrue();
        PostgresErrors.IsUnavailable(new InvalidOperationException("a bug")).Should().BeFalse();
    }

    [Fact]
    public async Task WhilePostgresIsDownCallsFailClearlyAndTheSameSendIsStoredOnceItIsBack()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var server = await NetraTestServer.StartAsync(await postgres.CreateDatabaseAsync());
        var api = new NetraApi(server);
        var (alice, bob) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"));
        var chat = await api.CreateChatAsync(alice, bob);
        await using var a = await UserClient.ConnectAsync(server, alice);
        await using var b = await UserClient.ConnectAsync(server, bob);
        await b.SubscribeAsync(Channels.Chat(chat.Id));
        var before = await a.SendAsync(chat.Id, "before the outage");
        (await b.Messages.NextAsync()).Seq.Should().Be(before.Seq);

        await postgres.StopAsync();

        using (var http = api.CreateClient(alice))
        {
            using var history = await http.GetAsync($"/api/chats/{chat.Id}/messages");
            history.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            history.Headers.RetryAfter?.Delta.Should().Be(TimeSpan.FromSeconds(5));
            using var problem = JsonDocument.Parse(await history.Content.ReadAsStringAsync());
            problem.RootElement.GetProperty("code").GetString().Should().Be(ErrorCodes.Internal);
            problem.RootElement.GetProperty("detail").GetString().Should().Contain("PostgreSQL");
        }

        var clientMessageId = Guid.NewGuid().ToString();
        var refused = await Expect.RefusedAsync(
            () => a.Client.SendMessageAsync(chat.Id, "during the outage", clientMessageId: clientMessageId), ErrorCodes.Internal);
        refused.Message.Should().Contain("PostgreSQL").And.Contain("Retry");
        server.Logs.Lines.Should().Contain(line => line.EventId.Id == 5005 && line.Level == LogLevel.Warning);
        server.Logs.Lines.Should().NotContain(line => line.Level >= LogLevel.Error && line.Category.StartsWith("Netra.Server.Errors", StringComparison.Ordinal));

        // The node and its connections are still up: liveness holds, readiness says why it is not ready.
        using (var http = server.CreateHttpClient())
        {
            (await http.GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await http.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }

        a.Client.State.Should().Be(Netra.Client.NetraConnectionState.Connected);
        b.Client.State.Should().Be(Netra.Client.NetraConnectionState.Connected);

        await postgres.StartAgainAsync();

        // A pooled connection broken by the outage may fail one more call; the send is retried as a client would, same id.
        Netra.Contracts.Chat.ChatMessage? stored = null;
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                stored = await a.Client.SendMessageAsync(chat.Id, "during the outage", clientMessageId: clientMessageId);
                return true;
            }
            catch (Netra.Client.NetraException retry) when (retry.Code == ErrorCodes.Internal)
            {
                return false;
            }
        });
        var again = await a.Client.SendMessageAsync(chat.Id, "during the outage", clientMessageId: clientMessageId);

        stored!.Seq.Should().Be(before.Seq + 1);
        again.Id.Should().Be(stored.Id, "the same clientMessageId is the same message");
        (await b.Messages.NextAsync()).Id.Should().Be(stored.Id);
        (await api.GetMessagesAsync(alice, chat.Id)).Select(m => m.Content).Should().Equal("before the outage", "during the outage");
    }

    [Fact]
    public async Task ASubscribeThatFailsWhilePostgresIsDownLeavesTheConnectionOutOfTheChannel()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var server = await NetraTestServer.StartAsync(await postgres.CreateDatabaseAsync());
        var api = new NetraApi(server);
        var user = await api.CreateUserAsync("watcher");
        await using var raw = await RawHubClient.ConnectAsync(server, user.Token);
        (await raw.InvokeRawAsync("Subscribe", """["alerts",null]""")).TryGetProperty("result", out _).Should().BeTrue();

        await postgres.StopAsync();
        // "issues" needs no membership query: the connection joins its group, then reading its history fails.
        var failed = await raw.InvokeRawAsync("Subscribe", """["issues",0]""");
        failed.GetProperty("error").GetString().Should().StartWith("INTERNAL: ").And.Contain("PostgreSQL");
        await postgres.StartAgainAsync();

        using var service = api.CreateServiceClient();
        await Eventually.UntilAsync(async () =>
            (await service.PostAsJsonAsync("/api/issues/NET-1/events", new { updateType = "status_changed" })).StatusCode == HttpStatusCode.Accepted);
        (await service.PostAsJsonAsync("/api/alerts", new { alertId = "a-1", severity = "info", message = "after the issue" })).StatusCode
            .Should().Be(HttpStatusCode.Accepted);

        // The alert, published after the issue event, arrives; the issue event, of a channel whose Subscribe failed, does not.
        var targets = await raw.TargetsUntilAsync("AlertTriggered");

        targets.Should().NotContain("IssueUpdated");
    }
}
