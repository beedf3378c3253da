using System.Globalization;
using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Netra.Client;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Client;

/// <summary>
/// Re-subscribes that fail: after a reconnect (the resume) and to fill a gap. A refusal for good (FORBIDDEN, NOT_FOUND,
/// VALIDATION_FAILED, UNAUTHORIZED) drops the channel; any other (INTERNAL while PostgreSQL is down, RATE_LIMITED) keeps
/// it with its last seq, and it is re-subscribed later on the same connection, so that delivery goes on once the
/// server can serve it.
/// </summary>
public sealed partial class NetraClientResubscribeTests
{
    private const int RepairingGapEvent = 3211;
    private const int ResubscribeFailedEvent = 3218;
    private const int PostgresUnreachableEvent = 5005; // the server's: a hub method failed, PostgreSQL cannot be reached

    [Fact]
    public async Task AChatWhoseResumeFailsWhilePostgresIsDownStaysFollowedAndResumesOnceItIsBackWhileAChannelRefusedForGoodIsDropped()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var database = await postgres.CreateDatabaseAsync();
        // The node alice first connects to also serves team:* channels; the one she reconnects to does not (FORBIDDEN).
        await using var first = await NetraTestServer.StartAsync(database, new Dictionary<string, string?> { ["Netra:Events:PublishChannels:0"] = "team:*" });
        await using var second = await NetraTestServer.StartAsync(database);
        await using var network = new TcpLoadBalancer([first.BaseAddress, second.BaseAddress]);
        var api = new NetraApi(second);
        var (alice, bob) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"));
        var chat = await api.CreateChatAsync(bob, alice);
        var logs = new ClientLogs();
        await using var client = await UserClient.ConnectAsync(Resuming(network, alice, logs));
        await client.SubscribeAsync(Channels.Chat(chat.Id));
        await client.SubscribeAsync("team:builds");
        await using var sender = await UserClient.ConnectAsync(second, bob);

        await postgres.StopAsync();
        network.DropOne().Should().BeTrue();
        await client.WaitForStateAsync(NetraConnectionState.Reconnecting);
        await client.WaitForStateAsync(NetraConnectionState.Connected);

        client.Client.SubscribedChannels.Should().Equal([Channels.Chat(chat.Id)], "INTERNAL is transient; FORBIDDEN is for good");
        var failed = await logs.NextAsync(ResubscribeFailedEvent);
        failed.Values["Channel"].Should().Be(Channels.Chat(chat.Id));
        ((string)failed.Values["Error"]!).Should().StartWith(ErrorCodes.Internal + ": ");

        await postgres.StartAgainAsync();
        var stored = await SendOnceBackAsync(sender, chat.Id, "back");

        (await client.Messages.NextAsync()).Id.Should().Be(stored.Id, "the chat was re-subscribed once PostgreSQL was back");
        (await client.Messages.StaysQuietAsync()).Should().BeTrue();
        client.Client.Stats.ReconnectCount.Should().Be(1, "it was re-subscribed on the same connection");
    }

    [Fact]
    public async Task AResumeRefusedWithRateLimitedKeepsTheChannelAndRetriesNoSoonerThanTheServerSaid()
    {
        // Alice's calls: two subscribes, then after the reconnect two more; the fourth is over the limit.
        await using var node = await NetraTestServer.StartWithLimitAsync("CallsPerMinute", 3);
        await using var network = new TcpLoadBalancer([node.BaseAddress]);
        var api = new NetraApi(node);
        var (alice, bob) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"));
        var (chat, other) = (await api.CreateChatAsync(bob, alice), await api.CreateChatAsync(bob, alice));
        var logs = new ClientLogs();
        await using var client = await UserClient.ConnectAsync(Resuming(network, alice, logs));
        await client.SubscribeAsync(Channels.Chat(chat.Id));
        await client.SubscribeAsync(Channels.Chat(other.Id));

        network.DropOne().Should().BeTrue();
        await client.WaitForStateAsync(NetraConnectionState.Reconnecting);
        await client.WaitForStateAsync(NetraConnectionState.Connected);

        client.Client.SubscribedChannels.Should().BeEquivalentTo([Channels.Chat(chat.Id), Channels.Chat(other.Id)], "RATE_LIMITED is transient");
        var failed = await logs.NextAsync(ResubscribeFailedEvent);
        failed.Values["Channel"].Should().Be(Channels.Chat(other.Id));
        var error = (string)failed.Values["Error"]!;
        error.Should().StartWith(ErrorCodes.RateLimited + ": ");
        var retryIn = TimeSpan.FromSeconds(int.Parse(RetryIn().Match(error).Groups[1].Value, CultureInfo.InvariantCulture));
        ((TimeSpan)failed.Values["Delay"]!).Should().BeGreaterThanOrEqualTo(retryIn, "the server's 'retry in N s' outweighs the policy's shorter backoff");
    }

    [Fact]
    public async Task AGapRepairThatFailsWhilePostgresIsDownIsRetriedAndDeliveryGoesOnOnceItIsBack()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var subscribes = new HoldPoint();
        await using var node = await NetraTestServer.StartAsync(
            await postgres.CreateDatabaseAsync(),
            services: services => services.Configure<HubOptions>(options => options.AddFilter(new HeldSubscribes(subscribes, _ => true))));
        var api = new NetraApi(node);
        var (alice, bob) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"));
        var chat = await api.CreateChatAsync(bob, alice);
        var options = UserClient.StrictOptions(node, alice.Token); // no reconnect: the repair alone must bring delivery back
        options.GapTimeout = TimeSpan.FromMilliseconds(200);
        options.ResubscribeRetryPolicy = FastRetries();
        await using var client = await UserClient.ConnectAsync(options);
        await client.SubscribeAsync(Channels.Chat(chat.Id));
        await using var sender = await UserClient.ConnectAsync(node, bob);
        await sender.SendAsync(chat.Id, "1");
        (await client.Messages.NextAsync()).Seq.Should().Be(1);

        // Seq 2 is stored but its broadcast lost; seq 3 arrives live and opens a gap. The repair's Subscribe is held
        // at the server until PostgreSQL is down, so that it fails (INTERNAL).
        await LoseTheBroadcastOfTheNextSeqAsync(node, chat.Id, bob.Id);
        subscribes.Hold();
        await sender.SendAsync(chat.Id, "3");
        await subscribes.Entered.WaitAsync(TestTimeouts.Network);
        await postgres.StopAsync();
        subscribes.Release();
        await Eventually.UntilAsync(() => node.Logs.Lines.Any(line => line.EventId.Id == PostgresUnreachableEvent && line.Message.Contains(HubMethods.Subscribe, StringComparison.Ordinal)));

        await postgres.StartAgainAsync();

        (await client.Messages.TakeAsync(2)).Select(m => (m.Seq, m.Content)).Should().Equal((2, "lost broadcast"), (3, "3"));
        var fourth = await SendOnceBackAsync(sender, chat.Id, "4");
        (await client.Messages.NextAsync()).Id.Should().Be(fourth.Id, "live delivery goes on");
        (await client.Messages.StaysQuietAsync()).Should().BeTrue();
        client.Client.State.Should().Be(NetraConnectionState.Connected);
        client.Client.Stats.ReconnectCount.Should().Be(0);
    }

    [Fact]
    public async Task AGapThatOpensWhileTheResumeIsStillUnderWayIsRepairedOnThatConnection()
    {
        var subscribes = new HoldPoint();
        await using var node = await NetraTestServer.StartAsync(
            await (await PostgresServer.SharedAsync()).CreateDatabaseAsync(),
            services: services => services.Configure<HubOptions>(options => options.AddFilter(new HeldSubscribes(subscribes, channel => channel == Channels.Feed))));
        await using var network = new TcpLoadBalancer([node.BaseAddress]);
        var api = new NetraApi(node);
        var (alice, bob) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"));
        var chat = await api.CreateChatAsync(bob, alice);
        var logs = new ClientLogs();
        var options = Resuming(network, alice, logs);
        options.GapTimeout = TimeSpan.FromMilliseconds(200);
        await using var client = await UserClient.ConnectAsync(options);
        await client.SubscribeAsync(Channels.Chat(chat.Id));
        await client.SubscribeAsync(Channels.Feed);
        await using var sender = await UserClient.ConnectAsync(node, bob);
        await sender.SendAsync(chat.Id, "1");
        (await client.Messages.NextAsync()).Seq.Should().Be(1);

        // The reconnect's resume re-subscribes the chat, then the feed, whose Subscribe the server holds: the client is
        // not Connected yet. Meanwhile a gap opens in the chat (seq 2's broadcast lost) and its timeout passes.
        subscribes.Hold();
        network.DropOne().Should().BeTrue();
        await client.WaitForStateAsync(NetraConnectionState.Reconnecting);
        await subscribes.Entered.WaitAsync(TestTimeouts.Network);
        await LoseTheBroadcastOfTheNextSeqAsync(node, chat.Id, bob.Id);
        await sender.SendAsync(chat.Id, "3");

        (await logs.NextAsync(RepairingGapEvent)).Values["Channel"].Should().Be(Channels.Chat(chat.Id));
        client.Client.State.Should().Be(NetraConnectionState.Reconnecting, "the resume has not finished");
        subscribes.Release();

        await client.WaitForStateAsync(NetraConnectionState.Connected);
        (await client.Messages.TakeAsync(2)).Select(m => (m.Seq, m.Content)).Should().Equal((2, "lost broadcast"), (3, "3"));
        (await client.Messages.StaysQuietAsync()).Should().BeTrue();
        client.Client.Stats.ReconnectCount.Should().Be(1);
    }

    [Fact]
    public async Task AFirstSubscribeCutOffByADropIsCompletedByTheReconnectsResumeAndTheChannelStaysFollowed()
    {
        var subscribes = new HoldPoint();
        await using var node = await NetraTestServer.StartAsync(
            await (await PostgresServer.SharedAsync()).CreateDatabaseAsync(),
            services: services => services.Configure<HubOptions>(options => options.AddFilter(new HeldSubscribes(subscribes, _ => true))));
        await using var network = new TcpLoadBalancer([node.BaseAddress]);
        var api = new NetraApi(node);
        var (alice, bob) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"));
        var chat = await api.CreateChatAsync(bob, alice);
        await using var client = await UserClient.ConnectAsync(Resuming(network, alice, new ClientLogs()));

        // The first Subscribe reaches the server and is held there; the connection drops under it.
        subscribes.Hold();
        var subscribe = client.Client.SubscribeAsync(Channels.Chat(chat.Id));
        await subscribes.Entered.WaitAsync(TestTimeouts.Network);
        network.DropOne().Should().BeTrue();
        await client.WaitForStateAsync(NetraConnectionState.Reconnecting);
        subscribes.Release();

        await subscribe.WaitAsync(TestTimeouts.Network); // completed by the reconnect's resume, not failed
        await client.WaitForStateAsync(NetraConnectionState.Connected);
        client.Client.SubscribedChannels.Should().Equal(Channels.Chat(chat.Id));
        await using var sender = await UserClient.ConnectAsync(node, bob);
        var stored = await sender.SendAsync(chat.Id, "after the drop");
        (await client.Messages.NextAsync()).Id.Should().Be(stored.Id, "the channel is followed on the new connection");
        client.Client.Stats.ReconnectCount.Should().Be(1);
    }

    /// <summary>Reconnects at once, fills gaps after the default timeout and retries a failed re-subscribe within half a second.</summary>
    private static NetraClientOptions Resuming(TcpLoadBalancer node, TestUser user, ClientLogs logs) => new()
    {
        Url = node.BaseAddress,
        AccessTokenProvider = _ => ValueTask.FromResult<string?>(user.Token),
        RetryPolicy = new ExponentialBackoffRetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(50), Jitter = false },
        ResubscribeRetryPolicy = FastRetries(),
        LoggerFactory = logs.CreateFactory(),
    };

    private static ExponentialBackoffRetryPolicy FastRetries() => new()
    {
        BaseDelay = TimeSpan.FromMilliseconds(100),
        MaxDelay = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>Stores the chat's next seq straight in PostgreSQL, as if its broadcast were lost.</summary>
    private static async Task LoseTheBroadcastOfTheNextSeqAsync(NetraTestServer node, long chatId, long senderId)
    {
        await using var database = new Npgsql.NpgsqlConnection(node.PostgresConnectionString);
        await Dapper.SqlMapper.ExecuteAsync(database, """
            WITH next AS (UPDATE chats SET last_seq = last_seq + 1 WHERE id = @chatId RETURNING last_seq)
            INSERT INTO messages (chat_id, seq, sender_id, content, client_message_id)
            SELECT @chatId, last_seq, @senderId, 'lost broadcast', gen_random_uuid()::text FROM next
            """, new { chatId, senderId });
    }

    /// <summary>Sends once PostgreSQL is back: a pooled connection broken by the outage may fail one more call (same id).</summary>
    private static async Task<ChatMessage> SendOnceBackAsync(UserClient sender, long chatId, string content)
    {
        var clientMessageId = Guid.NewGuid().ToString();
        ChatMessage? stored = null;
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                stored = await sender.Client.SendMessageAsync(chatId, content, clientMessageId: clientMessageId).WaitAsync(TestTimeouts.Network);
                return true;
            }
            catch (NetraException retry) when (retry.Code == ErrorCodes.Internal)
            {
                return false;
            }
        });
        return stored!;
    }

    [GeneratedRegex(@"retry in (\d+) s")]
    private static partial Regex RetryIn();

    /// <summary>Holds the server's <c>Subscribe</c> calls for the channels <paramref name="match"/> accepts while <paramref name="point"/> is held.</summary>
    private sealed class HeldSubscribes(HoldPoint point, Func<string?, bool> match) : IHubFilter
    {
        public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
        {
            if (invocationContext.HubMethodName == HubMethods.Subscribe && match(invocationContext.HubMethodArguments[0] as string))
            {
                await point.PassAsync();
            }

            return await next(invocationContext);
        }
    }
}
