using System.Net.Sockets;
using FluentAssertions;
using Netra.Client;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Client;

/// <summary>
/// NetraClient across a server restart: the node is stopped and started again on the same port and
/// database, and the client reconnects, resumes and sends what it queued meanwhile.
/// </summary>
public sealed class NetraClientReconnectTests
{
    [Fact]
    public async Task AfterARestartTheClientHasEveryMessageOfBothChatsExactlyOnceInSeqOrderIncludingThoseSentWhileItWasDown()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var node = await StartNodeAsync(database, port: 0);
        var port = node.BaseAddress.Port;
        try
        {
            var api = new NetraApi(node);
            var (alice, bob) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"));
            var chat = await api.CreateChatAsync(alice, bob);
            var other = await api.CreateChatAsync(bob, alice);
            var tokenCalls = 0;
            await using var events = UserClient.Create(new NetraClientOptions
            {
                Url = node.BaseAddress,
                AccessTokenProvider = _ =>
                {
                    Interlocked.Increment(ref tokenCalls);
                    return ValueTask.FromResult<string?>(alice.Token);
                },
                RetryPolicy = FastRetries(),
            });
            var client = events.Client;
            await client.ConnectAsync().WaitAsync(TestTimeouts.Network);
            await client.SubscribeAsync(Channels.Chat(chat.Id)).WaitAsync(TestTimeouts.Network);
            await client.SubscribeAsync(Channels.Chat(other.Id)).WaitAsync(TestTimeouts.Network);
            await using (var bobBefore = await UserClient.ConnectAsync(node, bob))
            {
                await bobBefore.SendAsync(chat.Id, "1");
                await bobBefore.SendAsync(chat.Id, "2");
                await bobBefore.SendAsync(other.Id, "a");
            }

            (await events.Messages.TakeAsync(3)).Select(m => m.Content).Should().Equal("1", "2", "a");

            // The node goes down; while the client cannot reach it, bob writes through another node.
            await node.DisposeAsync();
            await using (await HoldPortAsync(port))
            {
                (await events.WaitForStateAsync(NetraConnectionState.Reconnecting)).Reason.Should().NotBeNull();
                await using var otherNode = await StartNodeAsync(database, port: 0);
                await using var bobElsewhere = await UserClient.ConnectAsync(otherNode, bob);
                foreach (var content in new[] { "3", "4", "5" })
                {
                    await bobElsewhere.SendAsync(chat.Id, content);
                }

                await bobElsewhere.SendAsync(other.Id, "b");
            }

            node = await StartNodeAsync(database, port);
            await events.WaitForStateAsync(NetraConnectionState.Connected);
            await using (var bobAfter = await UserClient.ConnectAsync(node, bob))
            {
                await bobAfter.SendAsync(chat.Id, "6");
                await bobAfter.SendAsync(other.Id, "c");
            }

            var received = await events.Messages.TakeAsync(6);
            received.Where(m => m.ChatId == chat.Id).Select(m => (m.Seq, m.Content)).Should().Equal((3, "3"), (4, "4"), (5, "5"), (6, "6"));
            received.Where(m => m.ChatId == other.Id).Select(m => (m.Seq, m.Content)).Should().Equal((2, "b"), (3, "c"));
            (await events.Messages.StaysQuietAsync()).Should().BeTrue("every message arrives exactly once");
            tokenCalls.Should().BeGreaterThanOrEqualTo(2, "the token provider is asked again on reconnect");
            client.Stats.ReconnectCount.Should().Be(1);
            client.Stats.MessagesReceived.Should().Be(9);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task SendsMadeOrCutOffWhileTheServerIsDownGoOutOnceInOrderAfterTheRestartWhileOverflowFailsAndCancelledOnesAreDropped()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var node = await StartNodeAsync(database, port: 0);
        var port = node.BaseAddress.Port;
        try
        {
            var api = new NetraApi(node);
            var alice = await api.CreateUserAsync("queue");
            var chat = await api.CreateChatAsync(alice);
            await using var events = UserClient.Create(new NetraClientOptions
            {
                Url = node.BaseAddress,
                AccessTokenProvider = _ => ValueTask.FromResult<string?>(alice.Token),
                RetryPolicy = FastRetries(),
                OfflineQueueCapacity = 3,
            });
            var client = events.Client;
            await client.ConnectAsync().WaitAsync(TestTimeouts.Network);
            await client.SubscribeAsync(Channels.Chat(chat.Id)).WaitAsync(TestTimeouts.Network);

            // q0 is in flight when the node stops: stored before the drop and acknowledged, or cut off and
            // retried after the restart with the same clientMessageId. Either way it is stored once, first.
            var inFlight = client.SendMessageAsync(chat.Id, "q0");
            await node.DisposeAsync();
            List<Task<ChatMessage>> queued;
            await using (await HoldPortAsync(port))
            {
                await events.WaitForStateAsync(NetraConnectionState.Reconnecting);
                using (var cancel = new CancellationTokenSource())
                {
                    var cancelled = client.SendMessageAsync(chat.Id, "never sent", cancellationToken: cancel.Token);
                    await cancel.CancelAsync();
                    await cancelled.Invoking(t => t.WaitAsync(TestTimeouts.Network)).Should().ThrowAsync<OperationCanceledException>("a cancelled send leaves the queue");
                }

                queued = Enumerable.Range(1, 3).Select(i => client.SendMessageAsync(chat.Id, $"q{i}")).ToList();
                var overflow = await client.Invoking(c => c.SendMessageAsync(chat.Id, "q4")).Should().ThrowAsync<NetraException>();
                overflow.Which.Code.Should().Be(NetraClientErrorCodes.QueueFull);
                queued.Should().OnlyContain(t => !t.IsCompleted, "queued sends wait for the server");
            }

            node = await StartNodeAsync(database, port);
            var stored = await Task.WhenAll(queued.Prepend(inFlight)).WaitAsync(TestTimeouts.Network);

            stored.Select(m => m.Content).Should().Equal("q0", "q1", "q2", "q3");
            stored.Select(m => m.Seq).Should().Equal(1, 2, 3, 4);
            (await events.Messages.TakeAsync(4)).Should().BeEquivalentTo(stored, o => o.WithStrictOrdering());
            (await events.Messages.StaysQuietAsync()).Should().BeTrue();
            (await new NetraApi(node).GetMessagesAsync(alice, chat.Id)).Select(m => m.Content).Should().Equal("q0", "q1", "q2", "q3");
            client.Stats.MessagesSent.Should().Be(4);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task WhenTheServerCannotReplayEverythingTheClientRaisesResumeIncomplete()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var node = await NetraTestServer.StartAsync(database, new Dictionary<string, string?> { ["Netra:Chat:MaxReplay"] = "2" });
        var api = new NetraApi(node);
        var alice = await api.CreateUserAsync("gap");
        var chat = await api.CreateChatAsync(alice);
        await using var events = UserClient.Create(new NetraClientOptions
        {
            Url = node.HubUrl,
            AccessTokenProvider = _ => ValueTask.FromResult<string?>(alice.Token),
        });
        var client = events.Client;
        await client.ConnectAsync().WaitAsync(TestTimeouts.Network);
        for (var i = 1; i <= 4; i++)
        {
            await client.SendMessageAsync(chat.Id, $"m{i}").WaitAsync(TestTimeouts.Network);
        }

        await client.SubscribeAsync(Channels.Chat(chat.Id), sinceSeq: 0).WaitAsync(TestTimeouts.Network);

        var gap = await events.ResumeIncomplete.NextAsync();
        gap.Should().Be(new NetraResumeIncomplete(Channels.Chat(chat.Id), 0, 4));
        var next = await client.SendMessageAsync(chat.Id, "m5").WaitAsync(TestTimeouts.Network);
        (await events.Messages.NextAsync()).Should().Be(next, "nothing up to the server's head is replayed (the app reloads it from history), and live delivery goes on after it");
    }

    private static ExponentialBackoffRetryPolicy FastRetries() => new()
    {
        BaseDelay = TimeSpan.FromMilliseconds(100),
        MaxDelay = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>
    /// Keeps a stopped node's port taken until the node starts again, every connection closed at once: other tests
    /// start servers on free ports meanwhile, and one that got this port would take the client's reconnect (with the
    /// same signing key, it would even be accepted).
    /// </summary>
    private static Task<TcpLoadBalancer> HoldPortAsync(int port) => BindRetriedAsync(() => Task.FromResult(new TcpLoadBalancer([], port)));

    private static Task<NetraTestServer> StartNodeAsync(string database, int port) =>
        port == 0 ? NetraTestServer.StartAsync(database, port: 0) : BindRetriedAsync(() => NetraTestServer.StartAsync(database, port: port));

    /// <summary>Binding a port just released can fail while its old sockets close: tries a few times.</summary>
    private static async Task<T> BindRetriedAsync<T>(Func<Task<T>> bind)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await bind();
            }
            catch (Exception exception) when ((exception is IOException or SocketException) && attempt < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
        }
    }
}
