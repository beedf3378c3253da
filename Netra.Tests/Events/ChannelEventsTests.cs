using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Netra.Contracts;
using Netra.Contracts.Events;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Events;

/// <summary>
/// Durable events of non-chat channels: the service publish APIs store an event with the channel's next seq
/// and push it; Subscribe replays what a client missed; the history API pages it; refusals change nothing.
/// </summary>
public sealed class ChannelEventsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task APublishedEventIsStoredWithTheNextSeqPushedLiveAndReplayedAfterAMissedStretch()
    {
        var user = await fixture.Api.CreateUserAsync("watcher");
        var channel = "app:builds-" + Guid.NewGuid().ToString("N")[..8];
        await using var live = await UserClient.ConnectAsync(fixture.Server, user);
        // A new channel's head is 0: a strict client takes seq 1 live, and only seq 1.
        await live.SubscribeAsync(channel);

        var first = await PublishAsync(channel, "build_started", new { build = 1 });
        var pushed = await live.ChannelEvents.NextAsync();
        first.Should().Be(new PublishResult(channel, 1));
        pushed.Should().BeEquivalentTo(new { Channel = channel, Seq = 1L, Type = "build_started" });
        pushed.Payload.GetProperty("build").GetInt32().Should().Be(1);

        for (var i = 2; i <= 4; i++)
        {
            (await PublishAsync(channel, "build_progress", new { build = i })).Seq.Should().Be(i);
        }

        await using var resumed = await UserClient.ConnectAsync(fixture.Server, user);
        await resumed.Client.SubscribeAsync(channel, 1).WaitAsync(TestTimeouts.Network);
        await PublishAsync(channel, "build_progress", new { build = 5 });

        // 2 to 4 replayed, then 5 live right after them: the replay ended at the channel's head, 4.
        var received = await resumed.ChannelEvents.TakeAsync(4);
        received.Select(e => e.Seq).Should().Equal(2, 3, 4, 5);
        received.Select(e => e.Payload.GetProperty("build").GetInt32()).Should().Equal(2, 3, 4, 5);
        received.Should().OnlyContain(e => e.Channel == channel && e.Type == "build_progress");
        (await resumed.ResumeIncomplete.StaysQuietAsync()).Should().BeTrue("everything missed was replayed");
        (await live.ResumeIncomplete.StaysQuietAsync()).Should().BeTrue();
    }

    [Fact]
    public async Task AnIssueEventGoesToIssuesAndToTheIssueEachWithItsOwnSeqAndAnAlertToAlerts()
    {
        var user = await fixture.Api.CreateUserAsync("oncall");
        var issueId = "NET-" + Guid.NewGuid().ToString("N")[..6];
        await using var client = await UserClient.ConnectAsync(fixture.Server, user);
        await client.SubscribeAsync(Channels.Issue(issueId));
        await client.SubscribeAsync(Channels.Alerts);

        using var http = ServiceClient();
        var issue = await http.PostAsJsonAsync($"/api/issues/{issueId}/events", new { updateType = "status_changed", data = new { status = "done" } });
        issue.StatusCode.Should().Be(HttpStatusCode.Accepted, await issue.Content.ReadAsStringAsync());
        var results = (await issue.Content.ReadFromJsonAsync<PublishResult[]>(NetraApi.Json))!;
        results.Select(r => r.Channel).Should().Equal(Channels.Issues, Channels.Issue(issueId));
        results[1].Seq.Should().Be(1);

        var update = await client.IssueUpdates.NextAsync();
        update.Should().BeEquivalentTo(new { Channel = Channels.Issue(issueId), Seq = 1L, Type = "status_changed" });
        update.Payload.GetProperty("issueId").GetString().Should().Be(issueId);
        update.Payload.GetProperty("data").GetProperty("status").GetString().Should().Be("done");

        var alert = await http.PostAsJsonAsync("/api/alerts", new { alertId = "cpu-high", severity = "critical", message = "CPU at 99%", data = new { host = "web-1" } });
        alert.StatusCode.Should().Be(HttpStatusCode.Accepted, await alert.Content.ReadAsStringAsync());
        var published = (await alert.Content.ReadFromJsonAsync<PublishResult>(NetraApi.Json))!;
        // A strict client takes it live only as the head of alerts when it subscribed, plus one.
        var triggered = await client.Alerts.NextAsync();
        triggered.Should().BeEquivalentTo(new { Channel = Channels.Alerts, published.Seq, Type = "critical" });
        triggered.Payload.GetProperty("message").GetString().Should().Be("CPU at 99%");
    }

    [Fact]
    public async Task TheHistoryApiPagesAChannelInAscendingSeqOrderForAnySignedInUserAndChatsForMembersOnly()
    {
        var owner = await fixture.Api.CreateUserAsync("owner");
        var stranger = await fixture.Api.CreateUserAsync("stranger");
        var channel = "app:history-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 1; i <= 5; i++)
        {
            await PublishAsync(channel, "tick", new { i });
        }

        var forward = await HistoryAsync(stranger, channel, "?afterSeq=1&limit=2");
        forward.Select(Seq).Should().Equal(2, 3);
        var newest = await HistoryAsync(stranger, channel, "?beforeSeq=5&limit=3");
        newest.Select(Seq).Should().Equal(2, 3, 4);

        var chat = await fixture.Api.CreateChatAsync(owner);
        await using (var sender = await UserClient.ConnectAsync(fixture.Server, owner))
        {
            await sender.SendAsync(chat.Id, "one");
            await sender.SendAsync(chat.Id, "two");
        }

        (await HistoryAsync(owner, Channels.Chat(chat.Id), "?afterSeq=1")).Select(Seq).Should().Equal(2);
        using var http = fixture.Api.CreateClient(stranger);
        var refused = await http.GetAsync($"/api/channels/{Channels.Chat(chat.Id)}/events");
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await NetraApi.ReadCodeAsync(refused)).Should().Be(ErrorCodes.Forbidden);
        var unknown = await http.GetAsync("/api/channels/secret/events");
        (await NetraApi.ReadCodeAsync(unknown)).Should().Be(ErrorCodes.Forbidden);
        var badPage = await http.GetAsync($"/api/channels/{channel}/events?limit=0");
        (await NetraApi.ReadCodeAsync(badPage)).Should().Be(ErrorCodes.ValidationFailed);
    }

    public static TheoryData<string, string, string> RefusedPublishes => new()
    {
        { "a built-in channel", """{"channel":"feed","type":"x","payload":{}}""", ErrorCodes.Forbidden },
        { "a chat", """{"channel":"chat:1","type":"x","payload":{}}""", ErrorCodes.Forbidden },
        { "a channel outside the allow-list", """{"channel":"secret:x","type":"x","payload":{}}""", ErrorCodes.Forbidden },
        { "a prefix with nothing after it", """{"channel":"app:","type":"x","payload":{}}""", ErrorCodes.Forbidden },
        { "a channel ending in a line feed", """{"channel":"app:refused\n","type":"x","payload":{}}""", ErrorCodes.Forbidden },
        { "no channel", """{"type":"x","payload":{}}""", ErrorCodes.ValidationFailed },
        { "no type", """{"channel":"app:refused","payload":{}}""", ErrorCodes.ValidationFailed },
        { "a control character in the type", """{"channel":"app:refused","type":"a\u0007b","payload":{}}""", ErrorCodes.ValidationFailed },
        { "a NUL in the payload", """{"channel":"app:refused","type":"x","payload":{"text":"a\u0000b"}}""", ErrorCodes.ValidationFailed },
        { "a number too large for PostgreSQL's numeric", """{"channel":"app:refused","type":"x","payload":{"n":1e200000}}""", ErrorCodes.ValidationFailed },
        { "a number too small for PostgreSQL's numeric", """{"channel":"app:refused","type":"x","payload":{"n":[1,-1e-20000]}}""", ErrorCodes.ValidationFailed },
        { "a number PostgreSQL would store as 131,072 digits", """{"channel":"app:refused","type":"x","payload":{"n":1e131071}}""", ErrorCodes.ValidationFailed },
        { "a lone surrogate in the payload", """{"channel":"app:refused","type":"x","payload":{"text":"\ud800"}}""", ErrorCodes.ValidationFailed },
        { "a payload over the size limit", """{"channel":"app:refused","type":"x","payload":{"text":"BIG"}}""".Replace("BIG", new string('x', 9000), StringComparison.Ordinal), ErrorCodes.MessageTooLarge },
    };

    [Theory]
    [MemberData(nameof(RefusedPublishes))]
    public async Task ARefusedPublishGetsItsCodeAndStoresNothing(string what, string body, string code)
    {
        using var http = ServiceClient();
        var response = await http.PostAsync("/api/publish", new StringContent(body, Encoding.UTF8, "application/json"));

        ((int)response.StatusCode).Should().BeInRange(400, 499, what);
        (await NetraApi.ReadCodeAsync(response)).Should().Be(code, what);
        // The channel used by the refusals never got an event: the next one there is seq 1... unless another
        // refused case slipped through, which this catches too.
        var user = await fixture.Api.CreateUserAsync("auditor");
        (await HistoryAsync(user, "app:refused", "")).Should().BeEmpty(what);
    }

    [Fact]
    public async Task OnlyServiceTokensMayPublish()
    {
        var user = await fixture.Api.CreateUserAsync("plain");
        using var http = fixture.Api.CreateClient(user);

        (await http.PostAsJsonAsync("/api/publish", new { channel = "app:x", type = "x", payload = new { } })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await http.PostAsJsonAsync("/api/alerts", new { alertId = "a", severity = "info", message = "m" })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await http.PostAsJsonAsync("/api/issues/1/events", new { updateType = "x" })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var anonymous = fixture.Server.CreateHttpClient();
        (await anonymous.PostAsJsonAsync("/api/publish", new { channel = "app:x", type = "x", payload = new { } })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var unnamed = fixture.Api.CreateBearerClient(TestTokens.WithSubject("issue-tracker", roles: "service"));
        var refused = await unnamed.PostAsJsonAsync("/api/publish", new { channel = "app:x", type = "x", payload = new { } });
        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "a service token's sub is its service user's id");
        (await NetraApi.ReadCodeAsync(refused)).Should().Be(ErrorCodes.Unauthorized);
    }

    [Fact]
    public async Task SubscribingToAnUnknownChannelIsForbiddenAndToAnOverlongNameIsAValidationError()
    {
        var user = await fixture.Api.CreateUserAsync("curious");
        await using var client = await UserClient.ConnectAsync(fixture.Server, user);

        await Expect.RefusedAsync(() => client.Client.SubscribeAsync("secret:stuff"), ErrorCodes.Forbidden);
        await Expect.RefusedAsync(() => client.Client.SubscribeAsync("app:ok\n"), ErrorCodes.Forbidden);
        await Expect.RefusedAsync(() => client.Client.SubscribeAsync("app:" + new string('x', 10_000)), ErrorCodes.ValidationFailed);
        await client.SubscribeAsync("app:ok");
        client.Client.SubscribedChannels.Should().Equal("app:ok");
        (await client.ResumeIncomplete.StaysQuietAsync()).Should().BeTrue();
    }

    [Fact]
    public async Task NumbersAsLargeAndAsSmallAsADoublesAreStoredAndReadBack()
    {
        var user = await fixture.Api.CreateUserAsync("numbers");
        var channel = "app:numbers-" + Guid.NewGuid().ToString("N")[..8];
        using var http = ServiceClient();
        var body = $$$"""{"channel":"{{{channel}}}","type":"x","payload":{"values":[1.7976931348623157e308,-5e-324,0e350,1e-350,-0.0,12345678901234567890123]}}""";

        var response = await http.PostAsync("/api/publish", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var values = (await HistoryAsync(user, channel, "")).Single().GetProperty("payload").GetProperty("values").EnumerateArray().ToList();
        values.Should().HaveCount(6).And.OnlyContain(v => v.ValueKind == JsonValueKind.Number);
        values[0].GetDouble().Should().Be(double.MaxValue);
        values[1].GetDouble().Should().Be(-double.Epsilon);
        values[5].GetDouble().Should().Be(12345678901234567890123d);
    }

    private static long Seq(JsonElement item) => item.GetProperty("seq").GetInt64();

    private HttpClient ServiceClient() => fixture.Api.CreateServiceClient();

    private async Task<PublishResult> PublishAsync(string channel, string type, object payload)
    {
        using var http = ServiceClient();
        var response = await http.PostAsJsonAsync("/api/publish", new { channel, type, payload });
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<PublishResult>(NetraApi.Json))!;
    }

    private Task<List<JsonElement>> HistoryAsync(TestUser user, string channel, string query) => fixture.Api.GetChannelEventsAsync(user, channel, query);
}
