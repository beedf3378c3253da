using System.Net;
using System.Net.Http.Json;
using Dapper;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Netra.Contracts;
using Netra.Contracts.Events;
using Netra.Server.Events;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Events;

/// <summary>
/// The <c>Idempotency-Key</c> header of the service publish APIs: a repeated call stores and pushes nothing and gets
/// the first call's answer; a key reused for another request is refused; keys are per service and kept a day.
/// </summary>
public sealed class PublishIdempotencyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    public static TheoryData<string, string, object> Calls => new()
    {
        { "publish", "/api/publish", new PublishRequest("app:CHANNEL", "tick", null) },
        { "batch", "/api/publish/batch", new PublishBatchRequest([new PublishRequest("app:CHANNEL", "a", null), new PublishRequest("app:CHANNEL", "b", null)]) },
        { "issue event", "/api/issues/CHANNEL/events", new IssueEventRequest("status_changed", null) },
        { "alert", "/api/alerts", new AlertRequest("CHANNEL", "info", "disk at 80 %", null) },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task ARepeatedCallWithTheSameKeyStoresAndPushesNothingAndGetsTheSameAnswer(string what, string path, object body)
    {
        var (user, name) = (await fixture.Api.CreateUserAsync("watcher"), Guid.NewGuid().ToString("N")[..10]);
        (path, body) = Named(path, body, name);
        await using var client = await UserClient.ConnectAsync(fixture.Server, user);
        var received = new Received<ChannelEventMessage>();
        client.Client.ChannelEvent += received.Add;
        client.Client.IssueUpdated += received.Add;
        client.Client.AlertTriggered += received.Add;
        foreach (var channel in new[] { "app:" + name, Channels.Issue(name), Channels.Alerts })
        {
            await client.SubscribeAsync(channel);
        }

        using var service = ServiceClient(900_500);
        var key = Guid.NewGuid().ToString();
        var first = await PostAsync(service, path, body, key);
        var pushed = await received.WithinQuietAsync(_ => true);
        var again = await PostAsync(service, path, body, key);

        first.StatusCode.Should().Be(HttpStatusCode.Accepted, what);
        first.Headers.Contains("Idempotent-Replayed").Should().BeFalse(what);
        again.StatusCode.Should().Be(HttpStatusCode.Accepted, what);
        again.Headers.GetValues("Idempotent-Replayed").Should().Equal(["true"], what);
        (await again.Content.ReadAsStringAsync()).Should().Be(await first.Content.ReadAsStringAsync(), what);
        pushed.Should().NotBeEmpty(what);
        (await received.StaysQuietAsync()).Should().BeTrue($"{what}: a repeat pushes nothing");
        (await PostAsync(service, path, body, Guid.NewGuid().ToString())).Headers.Contains("Idempotent-Replayed").Should().BeFalse("another key is another call");
        (await received.WithinQuietAsync(_ => true)).Should().HaveCount(pushed.Count, $"{what}: stored and pushed once more");
    }

    [Fact]
    public async Task AKeyReusedForAnotherRequestIsAConflictAndStoresNothingButEachServiceHasItsOwnKeys()
    {
        var channel = "app:reuse-" + Guid.NewGuid().ToString("N")[..8];
        using var service = ServiceClient(900_501);
        var key = Guid.NewGuid().ToString();
        (await PostAsync(service, "/api/publish", new PublishRequest(channel, "a", null), key)).StatusCode.Should().Be(HttpStatusCode.Accepted);

        var otherEvent = await PostAsync(service, "/api/publish", new PublishRequest(channel, "b", null), key);
        var otherApi = await PostAsync(service, "/api/publish/batch", new PublishBatchRequest([new PublishRequest(channel, "a", null)]), key);

        foreach (var refused in new[] { otherEvent, otherApi })
        {
            refused.StatusCode.Should().Be(HttpStatusCode.Conflict);
            (await NetraApi.ReadCodeAsync(refused)).Should().Be(ErrorCodes.Conflict);
        }

        using var otherService = ServiceClient(900_502);
        var theirs = await PostAsync(otherService, "/api/publish", new PublishRequest(channel, "b", null), key);
        theirs.StatusCode.Should().Be(HttpStatusCode.Accepted, "keys are per service");
        (await theirs.Content.ReadFromJsonAsync<PublishResult>(NetraApi.Json))!.Seq.Should().Be(2, "the refused calls took no seq");
    }

    [Fact]
    public async Task RepeatsOfOneKeyAtTheSameMomentStoreOnce()
    {
        var channel = "app:race-" + Guid.NewGuid().ToString("N")[..8];
        using var service = ServiceClient(900_503);
        var key = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(service, "/api/publish", new PublishRequest(channel, "once", null), key)));

        answers.Should().OnlyContain(a => a.StatusCode == HttpStatusCode.Accepted);
        answers.Count(a => !a.Headers.Contains("Idempotent-Replayed")).Should().Be(1);
        var results = await Task.WhenAll(answers.Select(a => a.Content.ReadFromJsonAsync<PublishResult>(NetraApi.Json)));
        results.Should().OnlyContain(r => r == new PublishResult(channel, 1));
        await using var db = new NpgsqlConnection(fixture.Server.PostgresConnectionString);
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM channel_events WHERE channel = @channel", new { channel })).Should().Be(1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long")]
    public async Task AMalformedKeyIsAValidationErrorAndStoresNothing(string key)
    {
        var channel = "app:badkey-" + Guid.NewGuid().ToString("N")[..8];
        using var service = ServiceClient(900_504);

        var refused = await PostAsync(service, "/api/publish", new PublishRequest(channel, "x", null), key);

        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await NetraApi.ReadCodeAsync(refused)).Should().Be(ErrorCodes.ValidationFailed);
        var accepted = await PostAsync(service, "/api/publish", new PublishRequest(channel, "x", null), null);
        (await accepted.Content.ReadFromJsonAsync<PublishResult>(NetraApi.Json))!.Seq.Should().Be(1);
    }

    [Fact]
    public async Task AKeyIsForgottenAfterADay()
    {
        var channel = "app:day-" + Guid.NewGuid().ToString("N")[..8];
        using var service = ServiceClient(900_505);
        var key = Guid.NewGuid().ToString();
        var body = new PublishRequest(channel, "x", null);
        await PostAsync(service, "/api/publish", body, key);
        await using (var db = new NpgsqlConnection(fixture.Server.PostgresConnectionString))
        {
            await db.ExecuteAsync("UPDATE publish_keys SET created_at = now() - interval '25 hours' WHERE service_id = 900505 AND key = @key", new { key });
        }

        (await fixture.Server.Services.GetRequiredService<ChannelEventStore>().TrimPublishKeysAsync(CancellationToken.None)).Should().BeGreaterThanOrEqualTo(1);

        var later = await PostAsync(service, "/api/publish", body, key);
        later.Headers.Contains("Idempotent-Replayed").Should().BeFalse();
        (await later.Content.ReadFromJsonAsync<PublishResult>(NetraApi.Json))!.Seq.Should().Be(2);
    }

    /// <summary>The call's channel, issue and alert ids made unique to the test.</summary>
    private static (string Path, object Body) Named(string path, object body, string name) => (
        path.Replace("CHANNEL", name, StringComparison.Ordinal),
        body switch
        {
            PublishRequest p => p with { Channel = p.Channel!.Replace("CHANNEL", name, StringComparison.Ordinal) },
            PublishBatchRequest b => new PublishBatchRequest(b.Events!.Select(e => e! with { Channel = e.Channel!.Replace("CHANNEL", name, StringComparison.Ordinal) }).ToList()),
            AlertRequest a => a with { AlertId = name },
            _ => body,
        });

    private HttpClient ServiceClient(long serviceId) => fixture.Api.CreateServiceClient(serviceId);

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, object body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType(), options: NetraApi.Json) };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(ChannelEventService.IdempotencyHeader, key).Should().BeTrue();
        }

        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
