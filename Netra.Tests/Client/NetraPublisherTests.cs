using System.Net;
using System.Text.Json;
using FluentAssertions;
using Netra.Client;
using Netra.Contracts;
using Netra.Contracts.Events;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Client;

/// <summary>
/// <see cref="NetraPublisher"/>, a backend's side, against a real node: what it publishes reaches a
/// <see cref="NetraClient"/>; refusals carry the server's code; a rate-limited publish waits and is sent again.
/// </summary>
public sealed class NetraPublisherTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task EveryPublishApiReachesASubscribedClientAndABatchArrivesInItsOrder()
    {
        var user = await fixture.Api.CreateUserAsync("follower");
        var (channel, issue) = ("app:deploys-" + Guid.NewGuid().ToString("N")[..8], "NET-" + Guid.NewGuid().ToString("N")[..6]);
        await using var client = await UserClient.ConnectAsync(fixture.Server, user);
        await client.SubscribeAsync(channel);
        await client.SubscribeAsync(Channels.Issue(issue));
        await client.SubscribeAsync(Channels.Alerts);
        using var publisher = Publisher(fixture.Server, 900_400);

        (await publisher.PublishAsync(channel, "deploy_started", new { Build = 7 })).Should().Be(new PublishResult(channel, 1));
        var batch = await publisher.PublishBatchAsync([
            NetraPublisher.Event(channel, "deploy_progress", new { Percent = 50 }),
            NetraPublisher.Event(channel, "deploy_progress", new { Percent = 100 }),
            NetraPublisher.Event(channel, "deploy_done", new { Build = 7 }),
        ]);
        var issueResults = await publisher.PublishIssueEventAsync(issue, "status_changed", new { Status = "done" });
        var alert = await publisher.PublishAlertAsync("disk-7", "warning", "disk at 91 %", new { Host = "db1" });

        batch.Select(r => r.Seq).Should().Equal(2, 3, 4);
        var events = await client.ChannelEvents.TakeAsync(4);
        events.Select(e => (e.Seq, e.Type)).Should().Equal((1L, "deploy_started"), (2L, "deploy_progress"), (3L, "deploy_progress"), (4L, "deploy_done"));
        events[0].Payload.GetProperty("build").GetInt32().Should().Be(7, "payloads go out camelCase, as the wire is");
        events[2].Payload.GetProperty("percent").GetInt32().Should().Be(100);
        issueResults.Select(r => r.Channel).Should().Equal(Channels.Issues, Channels.Issue(issue));
        var update = await client.IssueUpdates.NextAsync();
        (update.Channel, update.Type).Should().Be((Channels.Issue(issue), "status_changed"));
        update.Payload.GetProperty("data").GetProperty("status").GetString().Should().Be("done");
        var pushed = await client.Alerts.NextAsync();
        (pushed.Seq, pushed.Payload.GetProperty("severity").GetString()).Should().Be((alert.Seq, "warning"));
    }

    [Fact]
    public async Task ARefusalThrowsTheServersCodeAndDetail()
    {
        using var publisher = Publisher(fixture.Server, 900_401);

        var builtIn = await Expect.RefusedAsync(() => publisher.PublishAsync(Channels.Alerts, "x", new { }), ErrorCodes.Forbidden);
        builtIn.Message.Should().StartWith("FORBIDDEN: 'alerts' is a built-in channel");
        var batch = await Expect.RefusedAsync(
            () => publisher.PublishBatchAsync([NetraPublisher.Event("app:ok", "x", 1), NetraPublisher.Event("app:ok", "", 2)]), ErrorCodes.ValidationFailed);
        batch.Message.Should().StartWith("VALIDATION_FAILED: events[1]: type");
        await Expect.RefusedAsync(() => publisher.PublishAlertAsync("a", "loud", "m", new { }), ErrorCodes.ValidationFailed);

        using var anonymous = new NetraPublisher(new NetraPublisherOptions { Url = fixture.Server.BaseAddress });
        await Expect.RefusedAsync(() => anonymous.PublishAsync("app:ok", "x", new { }), ErrorCodes.Unauthorized);
        var user = await fixture.Api.CreateUserAsync("not-a-service");
        using var asUser = new NetraPublisher(new NetraPublisherOptions { Url = fixture.Server.BaseAddress, AccessTokenProvider = _ => ValueTask.FromResult<string?>(user.Token) });
        await Expect.RefusedAsync(() => asUser.PublishAsync("app:ok", "x", new { }), ErrorCodes.Forbidden);
    }

    [Fact]
    public async Task ARateLimitedPublishWaitsTheServersRetryAfterOrThrowsWhenThatDoesNotFit()
    {
        await using var server = await NetraTestServer.StartWithLimitAsync("PublishesPerMinutePerService", 1);
        var channel = "app:limited";
        using var impatient = Publisher(server, 900_402, maxWait: TimeSpan.Zero);
        (await impatient.PublishAsync(channel, "first", new { })).Seq.Should().Be(1);

        var refused = await Expect.RefusedAsync(() => impatient.PublishAsync(channel, "second", new { }), ErrorCodes.RateLimited);

        refused.Message.Should().MatchRegex(@"^RATE_LIMITED: 1 publishes per minute; retry in \d+ s$");
        refused.RetryAfter.Should().BePositive().And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(61));

        // Within its wait, the publisher sends again after Retry-After. The server's own refusal would last up to a
        // minute, so this one comes from a handler in front of the real server: one 429 with Retry-After 1 s, then through.
        using var limitedOnce = new RefuseOnce { InnerHandler = new HttpClientHandler() };
        using var http = new HttpClient(limitedOnce) { BaseAddress = server.BaseAddress };
        var patient = new NetraPublisher(http, ServiceOptions(900_403, TimeSpan.FromSeconds(5)));
        (await patient.PublishAsync(channel, "after-a-wait", new { })).Seq.Should().Be(2, "the refused attempt stored nothing");
        limitedOnce.Requests.Should().Be(2);

        using var tooShort = new HttpClient(new RefuseOnce { InnerHandler = new HttpClientHandler() }) { BaseAddress = server.BaseAddress };
        var hurried = new NetraPublisher(tooShort, ServiceOptions(900_404, TimeSpan.FromMilliseconds(500)));
        (await Expect.RefusedAsync(() => hurried.PublishAsync(channel, "never", new { }), ErrorCodes.RateLimited)).RetryAfter.Should().Be(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task APublishWhoseAnswerWasLostIsSentAgainWithItsKeyAndStoredOnce()
    {
        var user = await fixture.Api.CreateUserAsync("once");
        var channel = "app:lost-" + Guid.NewGuid().ToString("N")[..8];
        await using var client = await UserClient.ConnectAsync(fixture.Server, user);
        await client.SubscribeAsync(channel);
        // The first attempt reaches the server and is stored; its answer is then lost, as when a connection drops.
        using var losesFirstAnswer = new LoseFirstAnswer { InnerHandler = new HttpClientHandler() };
        using var http = new HttpClient(losesFirstAnswer) { BaseAddress = fixture.Server.BaseAddress };
        var options = ServiceOptions(900_405, TimeSpan.Zero);
        options.RetryDelay = TimeSpan.FromMilliseconds(50);
        var publisher = new NetraPublisher(http, options);

        var result = await publisher.PublishAsync(channel, "deployed", new { Build = 8 });

        result.Should().Be(new PublishResult(channel, 1));
        losesFirstAnswer.Keys.Should().HaveCount(2).And.OnlyContain(key => key == losesFirstAnswer.Keys[0], "both attempts carry the call's key");
        (await client.ChannelEvents.NextAsync()).Seq.Should().Be(1);
        (await client.ChannelEvents.StaysQuietAsync()).Should().BeTrue("stored and pushed once");

        // A caller's own key makes a later repeat, from another publisher (a restarted backend), a no-op too.
        using var restarted = Publisher(fixture.Server, 900_405);
        (await restarted.PublishAsync(channel, "deployed", new { Build = 8 }, idempotencyKey: losesFirstAnswer.Keys[0])).Should().Be(result);
        (await restarted.PublishAsync(channel, "deployed", new { Build = 9 })).Seq.Should().Be(2, "another call gets a key of its own");
    }

    private static NetraPublisher Publisher(NetraTestServer node, long serviceId, TimeSpan? maxWait = null)
    {
        var options = ServiceOptions(serviceId, maxWait ?? TimeSpan.FromSeconds(60));
        options.Url = node.BaseAddress;
        return new NetraPublisher(options);
    }

    private static NetraPublisherOptions ServiceOptions(long serviceId, TimeSpan maxWait)
    {
        var token = TestTokens.Create(serviceId, roles: "service");
        return new NetraPublisherOptions { AccessTokenProvider = _ => ValueTask.FromResult<string?>(token), MaxRateLimitWait = maxWait };
    }

    /// <summary>Answers the first request as a rate-limited server would, with Retry-After 1 s; passes the rest on.</summary>
    private sealed class RefuseOnce : DelegatingHandler
    {
        private int requests;

        public int Requests => requests;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref requests) > 1)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            var refused = new HttpResponseMessage(HttpStatusCode.TooManyRequests)
            {
                Content = new StringContent(
                    JsonSerializer.Serialize(new { status = 429, code = ErrorCodes.RateLimited, detail = "1 publishes per minute; retry in 1 s" }),
                    System.Text.Encoding.UTF8,
                    "application/problem+json"),
            };
            refused.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
            return refused;
        }
    }

    /// <summary>Passes every request on; throws away the first answer, as a dropped connection would.</summary>
    private sealed class LoseFirstAnswer : DelegatingHandler
    {
        public List<string> Keys { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Keys)
            {
                Keys.Add(request.Headers.GetValues(NetraPublisher.IdempotencyHeader).Single());
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (Keys.Count == 1)
            {
                response.Dispose();
                throw new HttpRequestException("The connection was reset while reading the answer.");
            }

            return response;
        }
    }
}
