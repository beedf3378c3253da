using FluentAssertions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Server.Backplane;
using Netra.Server.Chat;
using Netra.Server.Metrics;
using Netra.Server.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Chat;

/// <summary>
/// A broadcast that waits on members whose connections read slowly does not hold up the senders, up to
/// <see cref="MessageAppender.MaxBroadcastsInFlight"/> of them per write partition; beyond that, senders wait for their own
/// broadcast again. The slow connections are played by holding a chat's broadcasts until the test lets them go
/// (<see cref="HeldRuns"/>, in front of the node's real hub lifetime manager), and, in one test, by a real WebSocket
/// that stops reading; storage is the node's real PostgreSQL.
/// </summary>
public sealed class SlowBroadcastTests : IAsyncLifetime
{
    private readonly HeldRuns held = new();
    private NetraTestServer? server;

    private NetraTestServer Server => server ?? throw new InvalidOperationException("The server has not started.");

    private NetraApi Api => new(Server);

    public async Task InitializeAsync()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Netra:Chat:WritePartitions"] = "1", // every chat shares the one partition's limit
            ["Netra:Limits:MessagesPerMinute"] = "100000",
        };
        server = await NetraTestServer.StartAsync(database, settings, services: services => services.AddSingleton<IGroupRunSender>(
            provider => held.Over((IGroupRunSender)provider.GetRequiredService<HubLifetimeManager<NetraHub>>())));
    }

    public async Task DisposeAsync()
    {
        held.Release();
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task SendersAreAnsweredOnceStoredWhileTheirBroadcastWaitsOnASlowMember()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var a = await UserClient.ConnectAsync(Server, alice);
        await using var b = await UserClient.ConnectAsync(Server, bob);
        await b.SubscribeAsync(Channels.Chat(chat.Id));
        held.Hold(Channels.Chat(chat.Id));

        var sent = new List<ChatMessage>();
        for (var i = 0; i < 3; i++)
        {
            sent.Add(await a.SendAsync(chat.Id, $"while bob is slow {i}")); // before: each waited for its broadcast
        }

        sent.Select(m => m.Seq).Should().Equal(1, 2, 3);
        (await Api.GetMessagesAsync(alice, chat.Id)).Select(m => m.Seq).Should().Equal(1, 2, 3);
        (await b.Messages.StaysQuietAsync()).Should().BeTrue("the broadcasts are still held");

        held.Release();
        (await b.Messages.TakeAsync(3)).Should().BeEquivalentTo(sent, options => options.WithStrictOrdering());
    }

    [Fact]
    public async Task SendersAreAnsweredBeforeTheirRunIsIssuedAndTheNextBatchWaitsForTheIssue()
    {
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var a = await UserClient.ConnectAsync(Server, alice);
        await using var b = await UserClient.ConnectAsync(Server, bob);
        await b.SubscribeAsync(Channels.Chat(chat.Id));
        held.HoldIssue(Channels.Chat(chat.Id));

        // Answered once stored, while its run is still being issued (before, this send waited for the issue).
        (await a.SendAsync(chat.Id, "answered before it goes out")).Seq.Should().Be(1);
        (await b.Messages.StaysQuietAsync()).Should().BeTrue("its run is not issued yet");

        // The partition takes its next batch only once the last one's runs are issued: what waits is bounded.
        var next = a.Client.SendMessageAsync(chat.Id, "stored once the first is out");
        (await Task.WhenAny(next, Task.Delay(TestTimeouts.Quiet))).Should().NotBeSameAs(next, "the first run's issue is held");

        held.Release();
        (await next.WaitAsync(TestTimeouts.Network)).Seq.Should().Be(2);
        (await b.Messages.TakeAsync(2)).Select(m => m.Seq).Should().Equal(1, 2);
    }

    [Fact]
    public async Task BeyondTheLimitSendersWaitForTheirOwnBroadcastUntilTheSlowOnesCatchUp()
    {
        var (alice, bob, carol) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"), await Api.CreateUserAsync("carol"));
        var slowChat = await Api.CreateChatAsync(alice, bob);
        var otherChat = await Api.CreateChatAsync(alice, carol);
        await using var a = await UserClient.ConnectAsync(Server, alice);
        await using var b = await UserClient.ConnectAsync(Server, bob);
        await using var c = await UserClient.ConnectAsync(Server, carol);
        await b.SubscribeAsync(Channels.Chat(slowChat.Id));
        await c.SubscribeAsync(Channels.Chat(otherChat.Id));
        held.Hold(Channels.Chat(slowChat.Id));

        for (var i = 0; i < MessageAppender.MaxBroadcastsInFlight; i++)
        {
            await a.SendAsync(slowChat.Id, $"answered at once {i}"); // one batch, one waiting broadcast each
        }

        // The partition is full. Other chats go on (their broadcasts are out at once, and so are their senders' answers);
        // a send to the slow chat is stored, but its sender is answered only once its broadcast is out.
        (await a.SendAsync(otherChat.Id, "other chats go on")).Seq.Should().Be(1);
        (await c.Messages.NextAsync()).Content.Should().Be("other chats go on");
        var blocked = a.Client.SendMessageAsync(slowChat.Id, "waits for bob");
        (await Task.WhenAny(blocked, Task.Delay(TestTimeouts.Quiet))).Should().NotBeSameAs(blocked, "its broadcast is held and the partition is full");
        Server.Logs.Lines.Should().Contain(line => line.EventId.Id == 3013);
        WaitedBroadcasts().Should().Be(MessageAppender.MaxBroadcastsInFlight + 1, "each held run waited, and the other chat's did not");

        held.Release();
        (await blocked.WaitAsync(TestTimeouts.Network)).Seq.Should().Be(MessageAppender.MaxBroadcastsInFlight + 1);
        (await b.Messages.TakeAsync(MessageAppender.MaxBroadcastsInFlight + 1)).Select(m => m.Seq)
            .Should().Equal(Seqs.Range(1, MessageAppender.MaxBroadcastsInFlight + 1));

        // Caught up: senders are answered once stored again, and the log says so.
        await a.SendAsync(otherChat.Id, "answered at once again");
        Server.Logs.Lines.Should().Contain(line => line.EventId.Id == 3014);
    }

    [Fact]
    public async Task AMemberWhoseConnectionStopsReadingDoesNotHoldUpTheSender()
    {
        // Bob's socket has a tiny receive window and he stops reading once subscribed: the kernel's buffers and the
        // connection's pipes fill up, and the server's writes to him wait (SignalR closes him only after 10 s of that).
        const int MostSends = 3000; // 12 MB of content: far more than the buffers between the server and bob hold
        var (alice, bob) = (await Api.CreateUserAsync("alice"), await Api.CreateUserAsync("bob"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var a = await UserClient.ConnectAsync(Server, alice);
        await using var b = await RawHubClient.ConnectAsync(Server, bob.Token, receiveBufferSize: 4096);
        (await b.InvokeRawAsync("Subscribe", $"[\"{Channels.Chat(chat.Id)}\",null]")).TryGetProperty("error", out _).Should().BeFalse();

        // Each send is answered once stored, also once bob's writes wait; after that, each is one more waiting
        // broadcast, until the partition has MaxBroadcastsInFlight of them and says so, and the send that found it so
        // waits for its own broadcast. Before, the first send after bob's connection filled up waited until the server
        // closed bob, and the partition never said so.
        var content = new string('x', 4000);
        var sent = 0;
        Task<ChatMessage> blocked;
        while (true)
        {
            sent.Should().BeLessThan(MostSends, "bob's writes should have backed up by now");
            var send = a.Client.SendMessageAsync(chat.Id, content);
            sent++;
            if (await BacksUpAsync(send))
            {
                blocked = send;
                break;
            }

            await send.WaitAsync(TestTimeouts.Network);
        }

        // Bob reads again, in time: everything arrives, once and in seq order, and the partition catches up.
        var seqs = new List<long>();
        while (seqs.Count < sent)
        {
            seqs.AddRange((await b.NextInvocationsAsync(nameof(INetraClient.NewMessage))).Select(RawHubClient.SeqOf));
        }

        seqs.Should().Equal(Seqs.Range(1, sent));
        (await blocked.WaitAsync(TestTimeouts.Network)).Seq.Should().Be(sent, "its broadcast is out now");
        await Eventually.UntilAsync(async () =>
        {
            await a.SendAsync(chat.Id, "caught up");
            return Server.Logs.Lines.Any(line => line.EventId.Id == 3014);
        });
    }

    private long WaitedBroadcasts() => Server.Services.GetRequiredService<NetraMetrics>().Totals.GetValueOrDefault("chat.broadcasts.waited");

    /// <summary>True once the node logs that a partition's broadcasts backed up while <paramref name="send"/> is unanswered; false once it is answered.</summary>
    private async Task<bool> BacksUpAsync(Task send)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Network);
        while (!send.IsCompleted)
        {
            deadline.Token.ThrowIfCancellationRequested();
            if (Server.Logs.Lines.Any(line => line.EventId.Id == 3013))
            {
                return true;
            }

            await Task.WhenAny(send, Task.Delay(20, deadline.Token));
        }

        return false;
    }

    /// <summary>
    /// Holds the runs of chosen groups until <see cref="Release"/>, then sends them through the real sender in order:
    /// issued at once with writes that wait (<see cref="Hold"/>), or not issued until then (<see cref="HoldIssue"/>).
    /// </summary>
    private sealed class HeldRuns
    {
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile string? heldGroup;
        private volatile string? heldIssueGroup;

        public void Hold(string groupName) => heldGroup = groupName;

        public void HoldIssue(string groupName) => heldIssueGroup = groupName;

        public void Release() => released.TrySetResult();

        public IGroupRunSender Over(IGroupRunSender inner) => new Sender(this, inner);

        private sealed class Sender(HeldRuns owner, IGroupRunSender inner) : IGroupRunSender
        {
            private readonly Lock gate = new();
            private Task last = Task.CompletedTask; // the held group's runs go out in the order they came, also after the release

            public ValueTask<Task> SendGroupRunAsync(string groupName, string methodName, IReadOnlyList<ISequencedEvent> events, CancellationToken cancellationToken = default)
            {
                if (groupName == owner.heldIssueGroup)
                {
                    return IssueOnceReleasedAsync(groupName, methodName, events.ToArray(), cancellationToken);
                }

                if (groupName != owner.heldGroup)
                {
                    return inner.SendGroupRunAsync(groupName, methodName, events, cancellationToken);
                }

                lock (gate)
                {
                    // Issued at once, as to a connection whose pipe is full: the writes complete once released.
                    var copy = events.ToArray(); // the appender's run is a segment of its batch
                    last = Task.WhenAll(last, owner.released.Task).ContinueWith(
                        _ => inner.SendGroupRunAsync(groupName, methodName, copy, cancellationToken).WrittenAsync(),
                        CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
                    return IssuedSend.Of(last);
                }
            }

            private async ValueTask<Task> IssueOnceReleasedAsync(
                string groupName, string methodName, ISequencedEvent[] events, CancellationToken cancellationToken)
            {
                await owner.released.Task;
                return await inner.SendGroupRunAsync(groupName, methodName, events, cancellationToken);
            }
        }
    }
}
