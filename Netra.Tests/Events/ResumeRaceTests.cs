using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using FluentAssertions;
using Microsoft.AspNetCore.SignalR.Client;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Events;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace Netra.Tests.Events;

/// <summary>
/// The race between a subscribe's history read and its group join, closed: while two publishers on two nodes
/// send without pause, a subscriber reconnects again and again, alternating nodes, and resumes from the
/// highest seq up to which it has everything. It records every seq on the wire, unfiltered (SignalR's own
/// client, no de-duplication): per connection each seq comes once, in <c>missed</c> or live, and live ones
/// are all above the result's <c>lastSeq</c>; across connections nothing is missing.
/// </summary>
/// <remarks>
/// The subscriber speaks the wire (HubTestClient) on purpose: it must see a repeated seq, which NetraClient would drop.
/// The writers are users, played by Netra.Client.
/// </remarks>
public sealed class ResumeRaceTests(ResumeFixture fixture, ITestOutputHelper output) : IClassFixture<ResumeFixture>
{
    private const int MaxSessions = 40;
    private const int MaxSendsPerPublisher = 3000;
    private static readonly TimeSpan AuditTime = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ChatSubscribersResumingDuringContinuousSendsOnTwoNodesGetEachSeqExactlyOnce()
    {
        var api = fixture.Api;
        var (alice, bob, carol) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"), await api.CreateUserAsync("carol"));
        var chat = await api.CreateChatAsync(alice, bob, carol);
        await using var aliceClient = await UserClient.ConnectAsync(fixture.Nodes[0], alice);
        await using var bobClient = await UserClient.ConnectAsync(fixture.Nodes[1], bob);

        await AuditAsync<ChatMessage>(Channels.Chat(chat.Id), nameof(INetraClient.NewMessage), carol, async stop =>
        {
            var sends = await Task.WhenAll(SendUntilAsync(aliceClient, chat.Id, stop), SendUntilAsync(bobClient, chat.Id, stop));
            return sends.Sum();
        });
    }

    [Fact]
    public async Task ChannelSubscribersResumingDuringContinuousPublishesOnTwoNodesGetEachSeqExactlyOnce()
    {
        var dave = await fixture.Api.CreateUserAsync("dave");
        var channel = "app:race-" + Guid.NewGuid().ToString("N")[..8];

        await AuditAsync<ChannelEventMessage>(channel, nameof(INetraClient.ChannelEvent), dave, async stop =>
        {
            var publishes = await Task.WhenAll(fixture.Nodes.Select(node => PublishUntilAsync(node, channel, stop)));
            return publishes.Sum();
        });
    }

    [Fact]
    public async Task ASinceSeqOlderThanTheKindsRetentionIsNotRecoveredAndTheSweepDeletesWhatIsNotKept()
    {
        var erin = await fixture.Api.CreateUserAsync("erin");
        using var http = ServiceClient(fixture.Nodes[0]);
        long head = 0;
        for (var i = 0; i < ResumeFixture.AlertsKept + 3; i++)
        {
            var response = await http.PostAsJsonAsync("/api/alerts", new { alertId = $"disk-{i}", severity = "warning", message = "disk filling" });
            response.StatusCode.Should().Be(HttpStatusCode.Accepted);
            head = (await response.Content.ReadFromJsonAsync<PublishResult>(NetraApi.Json))!.Seq;
        }

        await using var client = await HubTestClient.ConnectAsync(fixture.Nodes[1], erin);
        var tooOld = await client.SubscribeAsync(Channels.Alerts, head - ResumeFixture.AlertsKept - 1);
        tooOld.Should().BeEquivalentTo(new { LastSeq = head, Recovered = false });
        tooOld.Missed.Should().BeEmpty();

        var kept = await client.SubscribeAsync(Channels.Alerts, head - ResumeFixture.AlertsKept);
        kept.Recovered.Should().BeTrue();
        kept.Missed.Select(e => e.GetProperty("seq").GetInt64()).Should().Equal(Seqs.Range(head - ResumeFixture.AlertsKept + 1, head));

        await using var database = new NpgsqlConnection(fixture.Nodes[0].PostgresConnectionString);
        var stored = 0L;
        await Eventually.UntilAsync(() =>
        {
            stored = database.ExecuteScalar<long>("SELECT count(*) FROM channel_events WHERE channel = 'alerts'");
            return stored == ResumeFixture.AlertsKept;
        });
        stored.Should().Be(ResumeFixture.AlertsKept);
    }

    private async Task AuditAsync<TEvent>(string channel, string eventName, TestUser subscriber, Func<CancellationToken, Task<int>> publish)
        where TEvent : ISequencedEvent
    {
        var seen = new SortedSet<long>();
        var (sessions, replayed, live) = (0, 0, 0);
        using var stop = new CancellationTokenSource();
        var publishing = publish(stop.Token);
        var deadline = DateTime.UtcNow + AuditTime;

        while (sessions < MaxSessions && DateTime.UtcNow < deadline && !publishing.IsCompleted)
        {
            var session = await ResumeOnceAsync<TEvent>(fixture.Nodes[sessions % fixture.Nodes.Count], channel, eventName, subscriber, ContiguousHead(seen), holdFor: TimeSpan.FromMilliseconds(Random.Shared.Next(0, 150)));
            sessions++;
            replayed += session.Replayed;
            live += session.Live.Count;
            seen.UnionWith(session.Seqs);
        }

        await stop.CancelAsync();
        var published = await publishing;
        var last = await ResumeOnceAsync<TEvent>(fixture.Nodes[0], channel, eventName, subscriber, ContiguousHead(seen), holdFor: TimeSpan.Zero);
        seen.UnionWith(last.Seqs);

        output.WriteLine($"{channel}: {published} published, {sessions + 1} sessions, {replayed + last.Replayed} replayed, {live} live, head {last.LastSeq}");
        last.LastSeq.Should().BeGreaterThanOrEqualTo(published);
        seen.Should().Equal(Seqs.Range(1, last.LastSeq), "every seq from 1 to the head reached the subscriber");
        sessions.Should().BeGreaterThan(1);
        live.Should().BeGreaterThan(0, "events were published while subscribed");
    }

    /// <summary>One connection: subscribe from <paramref name="sinceSeq"/>, take live events for a while, close.</summary>
    private static async Task<Session> ResumeOnceAsync<TEvent>(
        Infrastructure.NetraTestServer node, string channel, string eventName, TestUser subscriber, long sinceSeq, TimeSpan holdFor)
        where TEvent : ISequencedEvent
    {
        var live = new ConcurrentQueue<long>();
        await using var client = await HubTestClient.ConnectAsync(node, subscriber);
        client.Connection.On<TEvent>(eventName, e => live.Enqueue(e.Seq));
        var result = await client.SubscribeAsync(channel, sinceSeq);
        await Task.Delay(holdFor);
        await client.Connection.StopAsync();

        var missed = result.Missed.Select(e => e.GetProperty("seq").GetInt64()).ToList();
        var liveSeqs = live.ToList();
        result.Recovered.Should().BeTrue();
        missed.Should().Equal(Seqs.Range(sinceSeq + 1, result.LastSeq), "the replay is exactly what came after sinceSeq, up to lastSeq");
        liveSeqs.Should().OnlyHaveUniqueItems("no seq is pushed twice");
        liveSeqs.Should().NotContain(seq => seq <= result.LastSeq, "a seq that was replayed is not pushed live too");
        liveSeqs.Should().BeInAscendingOrder("the connection's cursor sends live events in seq order");
        return new Session(result.LastSeq, missed.Count, liveSeqs, [.. missed, .. liveSeqs]);
    }

    private static async Task<int> SendUntilAsync(UserClient client, long chatId, CancellationToken stop)
    {
        var sent = 0;
        while (!stop.IsCancellationRequested && sent < MaxSendsPerPublisher)
        {
            await client.SendAsync(chatId, "m" + sent);
            sent++;
        }

        return sent;
    }

    private static async Task<int> PublishUntilAsync(Infrastructure.NetraTestServer node, string channel, CancellationToken stop)
    {
        using var http = ServiceClient(node);
        var published = 0;
        while (!stop.IsCancellationRequested && published < MaxSendsPerPublisher)
        {
            // Not cancelled by stop: a publish in flight completes, so the count is what the server stored.
            var response = await http.PostAsJsonAsync("/api/publish", new { channel, type = "tick", payload = new { published } }, CancellationToken.None);
            response.StatusCode.Should().Be(HttpStatusCode.Accepted);
            published++;
        }

        return published;
    }

    private static HttpClient ServiceClient(Infrastructure.NetraTestServer node) => new NetraApi(node).CreateServiceClient();

    /// <summary>The highest k such that 1..k were all seen: where an honest client resumes.</summary>
    private static long ContiguousHead(SortedSet<long> seen)
    {
        long head = 0;
        foreach (var seq in seen)
        {
            if (seq != head + 1)
            {
                break;
            }

            head = seq;
        }

        return head;
    }


    private sealed record Session(long LastSeq, int Replayed, IReadOnlyList<long> Live, IReadOnlyList<long> Seqs);
}
