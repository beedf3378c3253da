using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Netra.Server.Backplane;
using Netra.Server.Realtime;
using Xunit;

namespace Netra.Tests.Backplane;

/// <summary>
/// One connection's cursor on a channel (<see cref="ConnectionGroupsFeature"/>), on its own: what it writes to the
/// connection for live events that come in order, twice, out of order, late, and while a catch-up reads. The
/// scale-out and resume tests show the same through real nodes; these reach the ordering window's give-up, which
/// they rarely do, and run on a clock that moves only when told.
/// </summary>
public sealed class ConnectionCursorTests
{
    private const string Channel = "chat:1";
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(250);

    private readonly FakeTimeProvider clock = new();
    private readonly Pipe toClient = new();
    private readonly HubConnectionContext connection;
    private readonly ConnectionGroupsFeature cursor;

    public ConnectionCursorTests()
    {
        var fromClient = new Pipe();
        var transport = new DuplexPipe(fromClient.Reader, toClient.Writer);
        var application = new DuplexPipe(toClient.Reader, fromClient.Writer);
        connection = new HubConnectionContext(
            new DefaultConnectionContext("c1", transport, application), new HubConnectionContextOptions(), NullLoggerFactory.Instance)
        {
            Protocol = new JsonHubProtocol(),
        };
        cursor = new ConnectionGroupsFeature(connection, clock, Window);
    }

    [Fact]
    public async Task EventsInOrderGoOutAtOnceAndACopyOfOneSentIsDropped()
    {
        StartAt(0);

        await SendAsync(1, 2, 2, 1, 3);

        Received().Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task AnEventThatSkipsASeqWaitsForTheMissingOneAndBothGoOutInOrder()
    {
        StartAt(0);

        await SendAsync(1, 3, 4);
        Received().Should().Equal(1);

        await SendAsync(2);
        Received().Should().Equal(2, 3, 4);
    }

    [Fact]
    public async Task WhenTheWindowRunsOutTheWaitingEventsGoOutAndTheSkippedSeqIsStillSentOnceIfItComesLate()
    {
        StartAt(0);
        await SendAsync(1, 3, 5);
        Received().Should().Equal(1);

        clock.Advance(Window - TimeSpan.FromMilliseconds(1));
        Received().Should().BeEmpty("the window has not run out yet");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Received().Should().Equal(3, 5);

        await SendAsync(4, 2, 4, 2, 3, 6);
        Received().Should().Equal([4, 2, 6], "given up on, 2 and 4 still go out when they come, once each; 3 went out already");

        await SendAsync(8);
        clock.Advance(Window);
        await SendAsync(7);
        Received().Should().Equal([8, 7], "a second give-up works as the first did");
    }

    [Fact]
    public async Task LiveEventsWhileACatchUpReadsAreHeldBackAndTheReplayIsExtendedToThem()
    {
        cursor.BeginCatchUp(Channel);
        await SendAsync(5, 6);
        Received().Should().BeEmpty("the replay sends them");

        cursor.EndCatchUp(Channel, replayedHead: 4).Should().Be(6, "the replay must reach the highest seq held back");
        await SendAsync(5, 6, 7);
        Received().Should().Equal(7);
    }

    [Fact]
    public async Task EventsOfAChannelWithoutACursorGoOutAsTheyCome()
    {
        await SendAsync(3, 1, 3);

        Received().Should().Equal(3, 1, 3);
    }

    [Fact]
    public async Task AnEventInOrderCostsNoAllocationBeyondTheConnectionsOwnWrite()
    {
        // A fan-out delivers each event through the cursor of every member: an object per delivery there is a thousand
        // per event in a large group, and it was a quarter of what a scaled-out node allocated at W=1 in the bench.
        StartAt(0);
        var message = new SerializedHubMessage(new InvocationMessage("Event", [1L]));
        var seq = 0L;
        for (var warmUp = 0; warmUp < 100; warmUp++)
        {
            await cursor.SendAsync(Channel, ++seq, message);
            await connection.WriteAsync(message);
            Drain();
        }

        const int Sends = 200;
        long throughCursor = 0, direct = 0;
        for (var i = 0; i < Sends; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var write = cursor.SendAsync(Channel, ++seq, message);
            throughCursor += GC.GetAllocatedBytesForCurrentThread() - before;
            await write;
            Drain();

            before = GC.GetAllocatedBytesForCurrentThread();
            var plain = connection.WriteAsync(message);
            direct += GC.GetAllocatedBytesForCurrentThread() - before;
            await plain;
            Drain();
        }

        (throughCursor - direct).Should().BeLessThan(Sends, "bytes the cursor allocated over {0} deliveries, beyond what the same writes allocate", Sends);
    }

    /// <summary>The cursor as a subscribe leaves it when its replay reached <paramref name="seq"/>.</summary>
    private void StartAt(long seq)
    {
        cursor.BeginCatchUp(Channel);
        cursor.EndCatchUp(Channel, seq);
    }

    private async Task SendAsync(params long[] seqs)
    {
        foreach (var seq in seqs)
        {
            await cursor.SendAsync(Channel, seq, new SerializedHubMessage(new InvocationMessage("Event", [seq])));
        }
    }

    private void Drain()
    {
        toClient.Reader.TryRead(out var result).Should().BeTrue();
        toClient.Reader.AdvanceTo(result.Buffer.End);
    }

    /// <summary>The seqs written to the connection since the last call, in the order written.</summary>
    private long[] Received()
    {
        if (!toClient.Reader.TryRead(out var result))
        {
            return [];
        }

        var text = Encoding.UTF8.GetString(result.Buffer.ToArray());
        toClient.Reader.AdvanceTo(result.Buffer.End);
        return text.Split('\u001e', StringSplitOptions.RemoveEmptyEntries).Select(SeqOf).ToArray();
    }

    private static long SeqOf(string record)
    {
        using var json = JsonDocument.Parse(record);
        return json.RootElement.GetProperty("arguments")[0].GetInt64();
    }
}
