using System.Collections.Concurrent;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Netra.Server.Backplane;
using Netra.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace Netra.Tests.Backplane;

/// <summary>
/// One channel's subscription against a real Redis: messages are delivered in publish order and all of them before
/// an unsubscribe completes, and a SUBSCRIBE that Redis does not answer in time is still in place once Redis answers.
/// </summary>
public sealed class ChannelSubscriptionTests : IAsyncLifetime
{
    private readonly string channel = $"sub{Guid.NewGuid():N}";
    private readonly RedisConnections connections = new();
    private RedisServer redis = null!;

    public async Task InitializeAsync() => redis = await RedisServer.SharedAsync();

    public Task DisposeAsync() => connections.CloseAllAsync();

    [Fact]
    public async Task MessagesAreDeliveredInPublishOrderAndAllOfThemBeforeTheUnsubscribeCompletes()
    {
        var received = new ConcurrentQueue<int>();
        var subscriber = (await ConnectAsync(redis.ConnectionString)).GetSubscriber();
        var subscription = new ChannelSubscription(channel, Record(received), ChannelSubscription.MaxDeliveriesInFlight, maxBacklog: 1, NullLogger.Instance);
        (await subscription.StartAsync(subscriber)).Should().BeTrue("Redis is up and confirms the SUBSCRIBE");

        var publisher = (await ConnectAsync(redis.ConnectionString)).GetSubscriber();
        var target = new RedisChannel(channel, RedisChannel.PatternMode.Literal);
        await Task.WhenAll(Enumerable.Range(1, 500).Select(i => publisher.PublishAsync(target, Encoding.UTF8.GetBytes(i.ToString()))));
        await Eventually.UntilAsync(() => received.Count == 500);

        await subscription.UnsubscribeAsync();
        await subscription.DisposeAsync();
        received.Should().Equal(Enumerable.Range(1, 500));
        (await publisher.PublishAsync(target, "late"u8.ToArray())).Should().Be(0, "nobody listens any more");
    }

    [Fact]
    public async Task AnUnsubscribedChannelsPumpEndsWithoutThrowing()
    {
        // A node unsubscribes a user's channel whenever that user's last connection leaves: thousands in a
        // reconnect storm. The pump ends at the queue's end; a read past it would throw (and was thrown) each time.
        var thrown = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception is System.Threading.Channels.ChannelClosedException)
            {
                Interlocked.Increment(ref thrown);
            }
        }

        var received = new ConcurrentQueue<int>();
        var subscriber = (await ConnectAsync(redis.ConnectionString)).GetSubscriber();
        var subscriptions = Enumerable.Range(0, 20)
            .Select(i => new ChannelSubscription($"{channel}-{i}", Record(received), ChannelSubscription.MaxDeliveriesInFlight, maxBacklog: 1, NullLogger.Instance))
            .ToList();
        foreach (var subscription in subscriptions)
        {
            (await subscription.StartAsync(subscriber)).Should().BeTrue();
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            foreach (var subscription in subscriptions)
            {
                await subscription.UnsubscribeAsync();
                await subscription.DisposeAsync();
            }
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        thrown.Should().Be(0);
    }

    [Fact]
    public async Task ASubscribeThatTimesOutIsReplacedByOneRedisTakesWhenItAnswersAgain()
    {
        // Its own server: the pause below holds every client of the server it is sent to.
        await using var paused = await RedisServer.StartAsync();
        var received = new ConcurrentQueue<int>();
        var subscriber = (await ConnectAsync($"{paused.ConnectionString},asyncTimeout=300")).GetSubscriber();
        var admin = await ConnectAsync($"{paused.ConnectionString},allowAdmin=true");
        var subscription = new ChannelSubscription(channel, Record(received), ChannelSubscription.MaxDeliveriesInFlight, maxBacklog: 1, NullLogger.Instance);

        // Redis holds every client's commands for 2 s: connected, but the SUBSCRIBE is not answered within 300 ms.
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "2000", "ALL");
        (await subscription.StartAsync(subscriber)).Should().BeFalse("Redis did not confirm the SUBSCRIBE in time");

        var publisher = admin.GetSubscriber();
        var target = new RedisChannel(channel, RedisChannel.PatternMode.Literal);
        await Eventually.UntilAsync(async () => (long)(await admin.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel))[1] == 1);
        foreach (var i in Enumerable.Range(1, 3))
        {
            await publisher.PublishAsync(target, Encoding.UTF8.GetBytes(i.ToString()));
        }

        await Eventually.UntilAsync(() => received.Count == 3);
        await subscription.UnsubscribeAsync();
        await subscription.DisposeAsync();
        received.Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task MessagesWaitingBehindAHeldDeliveryAreTakenTogetherUpToTheBacklogInPublishOrder()
    {
        var batches = new ConcurrentQueue<int[]>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var multiplexer = await ConnectAsync(redis.ConnectionString);
        var subscriber = multiplexer.GetSubscriber();
        var subscription = new ChannelSubscription(channel, async backlog =>
        {
            batches.Enqueue(backlog.Select(data => int.Parse(Encoding.UTF8.GetString(data))).ToArray());
            if (batches.Count == 1)
            {
                await release.Task; // the first delivery holds the pump while the rest arrive
            }

            return Task.CompletedTask;
        }, ChannelSubscription.MaxDeliveriesInFlight, maxBacklog: 4, NullLogger.Instance);
        (await subscription.StartAsync(subscriber)).Should().BeTrue();

        // A second queue on the same connection: the library writes each message to every queue of the channel as it reads
        // it, so once this one holds all ten, the subscription's queue holds the nine behind the held one.
        var witness = await subscriber.SubscribeAsync(new RedisChannel(channel, RedisChannel.PatternMode.Literal));
        var publisher = (await ConnectAsync(redis.ConnectionString)).GetSubscriber();
        var target = new RedisChannel(channel, RedisChannel.PatternMode.Literal);
        await publisher.PublishAsync(target, "1"u8.ToArray());
        await Eventually.UntilAsync(() => !batches.IsEmpty);
        foreach (var i in Enumerable.Range(2, 9))
        {
            await publisher.PublishAsync(target, Encoding.UTF8.GetBytes(i.ToString()));
        }

        await Eventually.UntilAsync(() => witness.TryGetCount(out var count) && count == 10);
        release.SetResult();
        await Eventually.UntilAsync(() => batches.Sum(batch => batch.Length) == 10);

        await witness.UnsubscribeAsync();
        await subscription.UnsubscribeAsync();
        await subscription.DisposeAsync();
        batches.Select(batch => string.Join(",", batch)).Should().Equal("1", "2,3,4,5", "6,7,8,9", "10");
    }

    private static Func<IReadOnlyList<byte[]>, ValueTask<Task>> Record(ConcurrentQueue<int> received) => backlog =>
    {
        backlog.Should().ContainSingle("these channels take each message alone");
        received.Enqueue(int.Parse(Encoding.UTF8.GetString(backlog[0])));
        return ValueTask.FromResult(Task.CompletedTask);
    };

    private Task<ConnectionMultiplexer> ConnectAsync(string connectionString) =>
        connections.Create(connectionString).GetAsync(CancellationToken.None);
}
