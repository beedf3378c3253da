using System.Net;
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
/// <c>POST /api/publish/batch</c>: a service's events stored all or none, each channel's seqs consecutive in the order
/// given, pushed in that order; a bad event refuses the whole batch, names itself and stores nothing.
/// </summary>
public sealed class PublishBatchTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ABatchTakesEachChannelsNextSeqsInOrderAndIsPushedInThatOrder()
    {
        var user = await fixture.Api.CreateUserAsync("batch-watcher");
        var (builds, deploys) = (NewChannel("builds"), NewChannel("deploys"));
        await using var live = await UserClient.ConnectAsync(fixture.Server, user);
        await live.SubscribeAsync(builds);
        await live.SubscribeAsync(deploys);
        (await PublishAsync(builds, 0)).Should().Be(new PublishResult(builds, 1));
        (await live.ChannelEvents.NextAsync()).Seq.Should().Be(1);

        var results = await PublishBatchAsync(
            Event(builds, 1), Event(deploys, 2), Event(builds, 3), Event(builds, 4), Event(deploys, 5));

        results.Should().Equal(
            new PublishResult(builds, 2), new PublishResult(deploys, 1), new PublishResult(builds, 3),
            new PublishResult(builds, 4), new PublishResult(deploys, 2));
        var pushed = await live.ChannelEvents.TakeAsync(5);
        pushed.Select(e => (e.Channel, e.Seq, Step(e.Payload))).Should().Equal(
            (builds, 2L, 1), (deploys, 1L, 2), (builds, 3L, 3), (builds, 4L, 4), (deploys, 2L, 5));
        pushed.Should().OnlyContain(e => e.Type == "step");
        // Stored as pushed, seq included, and the heads moved by what the batch took.
        (await HistoryAsync(user, builds)).Select(e => (e.GetProperty("seq").GetInt64(), Step(e.GetProperty("payload")))).Should().Equal((1L, 0), (2L, 1), (3L, 3), (4L, 4));
        (await PublishAsync(deploys, 6)).Seq.Should().Be(3);
        (await live.ChannelEvents.NextAsync()).Should().BeEquivalentTo(new { Channel = deploys, Seq = 3L });
    }

    public static TheoryData<string, string, string, string> RefusedBatches => new()
    {
        { "no events", """{"events":[]}""", ErrorCodes.ValidationFailed, "events must hold 1 to 100 events" },
        { "no events property", """{}""", ErrorCodes.ValidationFailed, "events must hold 1 to 100 events" },
        { "more than the most a batch may carry", Batch(Enumerable.Repeat(Good, 101)), ErrorCodes.ValidationFailed, "events must hold 1 to 100 events" },
        { "a null event", Batch([Good, "null"]), ErrorCodes.ValidationFailed, "events[1]: must be an event" },
        { "a built-in channel", Batch([Good, Good, """{"channel":"alerts","type":"x","payload":{}}"""]), ErrorCodes.Forbidden, "events[2]: 'alerts' is a built-in channel" },
        { "a channel outside the allow-list", Batch([Good, """{"channel":"secret:x","type":"x","payload":{}}"""]), ErrorCodes.Forbidden, "events[1]: " },
        { "no channel", Batch([Good, """{"type":"x","payload":{}}"""]), ErrorCodes.ValidationFailed, "events[1]: " },
        { "no type", Batch([Good, """{"channel":"app:batch-refused","payload":{}}"""]), ErrorCodes.ValidationFailed, "events[1]: type" },
        { "a NUL in a payload", Batch([Good, """{"channel":"app:batch-refused","type":"x","payload":{"t":"a\u0000b"}}"""]), ErrorCodes.ValidationFailed, "events[1]: payload" },
        { "a payload over the size limit", Batch([Good, """{"channel":"app:batch-refused","type":"x","payload":{"t":"BIG"}}""".Replace("BIG", new string('x', 9000), StringComparison.Ordinal)]), ErrorCodes.MessageTooLarge, "events[1]: The event is larger than 8192 bytes" },
        { "a body over the API's 1 MiB", Batch(Enumerable.Repeat("""{"channel":"app:batch-refused","type":"x","payload":{"t":"BIG"}}""".Replace("BIG", new string('x', 9000), StringComparison.Ordinal), 120)), ErrorCodes.MessageTooLarge, "The request body is larger than this endpoint takes: 1024 KiB" },
        { "events that are not a list", """{"events":{"channel":"app:batch-refused"}}""", ErrorCodes.ValidationFailed, "" },
        { "malformed JSON", """{"events":[{"channel":"app:batch-refused",""", ErrorCodes.ValidationFailed, "" },
    };

    [Theory]
    [MemberData(nameof(RefusedBatches))]
    public async Task ARefusedBatchGetsTheCodeOfItsFirstBadEventAndStoresNothing(string what, string body, string code, string detail)
    {
        using var http = fixture.Api.CreateServiceClient();
        var response = await http.PostAsync("/api/publish/batch", new StringContent(body, Encoding.UTF8, "application/json"));

        ((int)response.StatusCode).Should().BeInRange(400, 499, what);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("code").GetString().Should().Be(code, what);
        problem.GetProperty("detail").GetString().Should().StartWith(detail, what);
        // The good events before the bad one were not stored either.
        var auditor = await fixture.Api.CreateUserAsync("batch-auditor");
        (await HistoryAsync(auditor, "app:batch-refused")).Should().BeEmpty(what);
    }

    [Fact]
    public async Task BatchesOverTheSameChannelsInOtherOrdersAtOnceLeaveEveryChannelGapless()
    {
        // Each batch takes the heads of all three channels; in opposite orders, row locks taken in the batch's
        // order would deadlock. Each channel's seqs must come out 1..n, each once, in every batch's own order.
        var channels = new[] { NewChannel("a"), NewChannel("b"), NewChannel("c") };
        const int batches = 12, perBatch = 30;
        // Batch b starts at channel b % 3 and goes forwards (even b) or backwards (odd b): a, b, c, a, ... or b, a, c, b, ...
        var orders = Enumerable.Range(0, batches).Select(b => Enumerable.Range(0, perBatch).Select(i => channels[(b + (b % 2 == 0 ? i : 2 * i)) % 3]).ToList()).ToList();

        var results = await Task.WhenAll(orders.Select((order, b) => PublishBatchAsync(order.Select((channel, i) => Event(channel, b * 1000 + i)).ToArray())));

        foreach (var channel in channels)
        {
            var taken = results.SelectMany(batch => batch.Where(r => r.Channel == channel).Select(r => r.Seq)).Order().ToList();
            taken.Should().Equal(Enumerable.Range(1, taken.Count).Select(s => (long)s), channel);
            results.Should().OnlyContain(batch => batch.Where(r => r.Channel == channel).Select(r => r.Seq).SequenceEqual(batch.Where(r => r.Channel == channel).Select(r => r.Seq).Order()));
        }

        // What the history holds at each seq is the event the answer gave that seq.
        var user = await fixture.Api.CreateUserAsync("batch-reader");
        var expected = results.SelectMany((batch, b) => batch.Select((r, i) => (r.Channel, r.Seq, Step: b * 1000 + i))).ToList();
        foreach (var channel in channels)
        {
            var history = await HistoryAsync(user, channel, "?limit=200");
            history.Select(e => (channel, e.GetProperty("seq").GetInt64(), Step(e.GetProperty("payload"))))
                .Should().Equal(expected.Where(e => e.Channel == channel).OrderBy(e => e.Seq));
        }
    }

    [Fact]
    public async Task OnlyServiceTokensMayPublishABatch()
    {
        var user = await fixture.Api.CreateUserAsync("batch-plain");
        using var http = fixture.Api.CreateClient(user);
        var body = new PublishBatchRequest([new PublishRequest("app:x", "x", null)]);

        (await http.PostAsJsonAsync("/api/publish/batch", body)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var anonymous = fixture.Server.CreateHttpClient();
        (await anonymous.PostAsJsonAsync("/api/publish/batch", body)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    private const string Good = """{"channel":"app:batch-refused","type":"ok","payload":{}}""";

    private static string Batch(IEnumerable<string> events) => $$"""{"events":[{{string.Join(",", events)}}]}""";

    private static string NewChannel(string name) => $"app:{name}-{Guid.NewGuid().ToString("N")[..8]}";

    private static PublishRequest Event(string channel, int step) => new(channel, "step", JsonSerializer.SerializeToElement(new { step }));

    private static int Step(JsonElement payload) => payload.GetProperty("step").GetInt32();

    private async Task<PublishResult[]> PublishBatchAsync(params PublishRequest[] events)
    {
        using var http = fixture.Api.CreateServiceClient();
        var response = await http.PostAsJsonAsync("/api/publish/batch", new PublishBatchRequest(events));
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<PublishResult[]>(NetraApi.Json))!;
    }

    private async Task<PublishResult> PublishAsync(string channel, int step)
    {
        using var http = fixture.Api.CreateServiceClient();
        var response = await http.PostAsJsonAsync("/api/publish", Event(channel, step));
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<PublishResult>(NetraApi.Json))!;
    }

    private Task<List<JsonElement>> HistoryAsync(TestUser user, string channel, string query = "") => fixture.Api.GetChannelEventsAsync(user, channel, query);
}
