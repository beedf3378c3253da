using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using FluentAssertions;
using Netra.Client;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Netra.Tests.Events;

/// <summary>
/// The soak of issue #5: three nodes in processes of their own behind a round-robin balancer, one Redis; 30
/// Netra.Client subscribers of the same two chats; a publisher on each node sending without pause; connections
/// cut at random and a node killed (then started again) while it runs, for a bounded time. At the end every
/// subscriber has seen every seq from 1 to the head of each chat exactly once, in order.
/// </summary>
public sealed class ResumeSoakTests(ITestOutputHelper output)
{
    private const int Subscribers = 30;
    private const int MaxSendsPerPublisher = 600;
    private static readonly TimeSpan ChaosTime = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan SendPause = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan DropEvery = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan CatchUpTime = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task SubscribersCutOffAtRandomAndByAKilledNodeEndWithEverySeqOfEveryChatOnceInOrder()
    {
        await using var cluster = await ProcessCluster.StartAsync(3, new Dictionary<string, string?>
        {
            ["Netra:Limits:MessagesPerMinute"] = "100000",
            ["Netra:Limits:ConnectAttemptsPerMinutePerIp"] = "100000",
        });
        var (nodes, balancer) = (cluster.Nodes, cluster.Balancer);
        var clients = new List<(NetraClient Client, ConcurrentQueue<ChatMessage> Received)>();
        try
        {
            var api = new NetraApi(nodes[0]);
            var publishers = new List<TestUser>();
            var subscribers = new List<TestUser>();
            for (var i = 0; i < 3; i++)
            {
                publishers.Add(await api.CreateUserAsync("pub"));
            }

            for (var i = 0; i < Subscribers; i++)
            {
                subscribers.Add(await api.CreateUserAsync("sub"));
            }

            var chats = new[]
            {
                await api.CreateChatAsync(publishers[0], [.. publishers[1..], .. subscribers]),
                await api.CreateChatAsync(publishers[1], [publishers[0], publishers[2], .. subscribers]),
            };

            foreach (var subscriber in subscribers)
            {
                var received = new ConcurrentQueue<ChatMessage>();
                var client = new NetraClient(cluster.ThroughBalancer(subscriber.Token));
                client.NewMessage += received.Enqueue;
                clients.Add((client, received));
                await client.ConnectAsync().WaitAsync(TestTimeouts.Network);
                foreach (var chat in chats)
                {
                    await client.SubscribeAsync(Channels.Chat(chat.Id)).WaitAsync(TestTimeouts.Network);
                }
            }

            // One publisher per node, each writing to both chats in turn, reconnecting through the balancer if its node dies.
            using var stop = new CancellationTokenSource();
            var publishing = publishers.Select((user, i) => PublishAsync(nodes[i], balancer, user, chats.Select(c => c.Id).ToArray(), stop.Token)).ToList();

            var (drops, clock) = (0, Stopwatch.StartNew());
            var (killed, restarted) = (false, false);
            while (clock.Elapsed < ChaosTime)
            {
                await Task.Delay(DropEvery);
                drops += balancer.DropOne() ? 1 : 0;
                if (!killed && clock.Elapsed > ChaosTime / 3)
                {
                    nodes[2].Kill();
                    killed = true;
                }
                else if (killed && !restarted && clock.Elapsed > ChaosTime * 2 / 3)
                {
                    await cluster.RestartAsync(2);
                    restarted = true;
                }
            }

            await stop.CancelAsync();
            var sent = (await Task.WhenAll(publishing)).Sum();

            using var http = api.CreateClient(publishers[0]);
            var heads = (await http.GetFromJsonAsync<List<ChatSummary>>("/api/chats", NetraApi.Json))!.ToDictionary(c => c.Id, c => c.LastSeq);
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < CatchUpTime && !clients.All(c => HasReachedHeads(c.Received, heads)))
            {
                await Task.Delay(200);
            }

            var reconnects = clients.Sum(c => c.Client.Stats.ReconnectCount);
            var delivered = clients.Sum(c => c.Received.Count);
            output.WriteLine(
                $"{sent} sent, heads {string.Join(", ", heads.Select(h => $"chat {h.Key}: {h.Value}"))}; {Subscribers} subscribers, {drops} connections cut, " +
                $"node 3 killed and restarted, {reconnects} reconnects, {delivered} messages delivered ({heads.Values.Sum() * Subscribers} expected)");

            heads.Values.Sum().Should().BeGreaterThanOrEqualTo(sent, "every acknowledged send is stored");
            reconnects.Should().BeGreaterThan(Subscribers / 3, "the chaos cut many subscribers off");
            foreach (var (client, received) in clients)
            {
                foreach (var (chatId, head) in heads)
                {
                    received.Where(m => m.ChatId == chatId).Select(m => m.Seq)
                        .Should().Equal(Seqs.Range(1, head), $"subscriber {clients.FindIndex(c => c.Client == client)} sees chat {chatId} whole, once, in order");
                }
            }
        }
        finally
        {
            foreach (var (client, _) in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static bool HasReachedHeads(ConcurrentQueue<ChatMessage> received, Dictionary<long, long> heads)
    {
        var last = received.GroupBy(m => m.ChatId).ToDictionary(g => g.Key, g => g.Max(m => m.Seq));
        return heads.All(h => last.GetValueOrDefault(h.Key) >= h.Value);
    }

    private static async Task<int> PublishAsync(NetraProcess home, TcpLoadBalancer balancer, TestUser user, long[] chatIds, CancellationToken stop)
    {
        var sent = 0;
        INetraNode target = home;
        while (!stop.IsCancellationRequested && sent < MaxSendsPerPublisher)
        {
            UserClient? client = null;
            try
            {
                var options = UserClient.StrictOptions(target, user.Token);
                options.SkipNegotiation = true;
                client = await UserClient.ConnectAsync(options);
                while (!stop.IsCancellationRequested && sent < MaxSendsPerPublisher)
                {
                    await client.SendAsync(chatIds[sent % chatIds.Length], $"{user.UserName} #{sent}");
                    sent++;
                    await Task.Delay(SendPause, CancellationToken.None);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                // Its node died (or the send was cut off): carry on through the balancer. A send in flight may or
                // may not be stored; the audit reads the heads from the database, not this count.
                target = balancer;
                await Task.Delay(200, CancellationToken.None);
            }
            finally
            {
                if (client is not null)
                {
                    await client.DisposeAsync();
                }
            }
        }

        return sent;
    }
}
