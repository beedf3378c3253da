using FluentAssertions;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Tests.Backplane;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Chat;

/// <summary>
/// A connection's calls run up to <c>MaxParallelCallsPerConnection</c> at once, and sends are stored in
/// batches; what a client pipelines still takes effect in the order it was sent. Two nodes with Redis,
/// so the rate limit check awaits Redis inside every call. Speaks the wire directly: pipelining calls on
/// one connection is what is tested, and Netra.Client never pipelines a subscribe and an unsubscribe.
/// </summary>
public sealed class CallOrderTests(TwoNodesFixture fixture) : IClassFixture<TwoNodesFixture>
{
    private const string NewMessage = nameof(INetraClient.NewMessage);

    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task PipelinedSendsOfOneConnectionAreStoredAndDeliveredInTheOrderSent()
    {
        var (alice, bob) = (await Api.CreateUserAsync("pipe-a"), await Api.CreateUserAsync("pipe-b"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var sender = await HubTestClient.ConnectAsync(fixture.Nodes[0], alice);
        await using var receiver = await HubTestClient.ConnectAsync(fixture.Nodes[1], bob);
        await receiver.SubscribeAsync(Channels.Chat(chat.Id));

        // Started one after the other without waiting: all in flight at once.
        var sends = Enumerable.Range(0, 60).Select(i => sender.SendAsync(chat.Id, $"m{i}")).ToList();
        var stored = await Task.WhenAll(sends);

        stored.Select(m => m.Content).Should().Equal(Enumerable.Range(0, 60).Select(i => $"m{i}"));
        stored.Select(m => m.Seq).Should().Equal(Seqs.Range(1, 60));
        var received = new List<ChatMessage>();
        for (var i = 0; i < 60; i++)
        {
            received.Add(await receiver.NextAsync<ChatMessage>(NewMessage));
        }

        received.Select(m => m.Content).Should().Equal(stored.Select(m => m.Content));
        (await Api.GetMessagesAsync(alice, chat.Id, "?limit=100")).Select(m => m.Content).Should().Equal(stored.Select(m => m.Content));
    }

    [Fact]
    public async Task ASubscribeAndUnsubscribeSentTogetherTakeEffectInThatOrder()
    {
        var (alice, bob) = (await Api.CreateUserAsync("order-a"), await Api.CreateUserAsync("order-b"));
        var chat = await Api.CreateChatAsync(alice, bob);
        var channel = Channels.Chat(chat.Id);
        await using var sender = await HubTestClient.ConnectAsync(fixture.Nodes[0], alice);
        await using var left = await HubTestClient.ConnectAsync(fixture.Nodes[1], bob);
        await using var stayed = await HubTestClient.ConnectAsync(fixture.Nodes[1], bob);

        await Task.WhenAll(
            left.SubscribeAsync(channel),
            left.Connection.InvokeAsync(HubMethods.Unsubscribe, channel));
        await Task.WhenAll(
            stayed.SubscribeAsync(channel),
            stayed.Connection.InvokeAsync(HubMethods.Unsubscribe, channel),
            stayed.SubscribeAsync(channel));
        var message = await sender.SendAsync(chat.Id, "who hears this");

        (await stayed.NextAsync<ChatMessage>(NewMessage)).Id.Should().Be(message.Id);
        (await left.StaysQuietAsync(NewMessage)).Should().BeTrue("its last call was an unsubscribe");
    }

    [Fact]
    public async Task ABatchThatMeetsAClientMessageIdStoredMeanwhileElsewhereStoresTheRestOnce()
    {
        var (alice, bob) = (await Api.CreateUserAsync("split-a"), await Api.CreateUserAsync("split-b"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var sender = await HubTestClient.ConnectAsync(fixture.Nodes[0], alice);
        await using var receiver = await HubTestClient.ConnectAsync(fixture.Nodes[1], bob);
        await receiver.SubscribeAsync(Channels.Chat(chat.Id));

        Task<ChatMessage> Send(string content, string clientMessageId) =>
            sender.Connection.InvokeAsync<ChatMessage>(HubMethods.SendMessage, new SendMessageRequest(chat.Id, content, null, clientMessageId));

        // Another writer stores "taken" but has not committed yet: the batch cannot see it, and its
        // insert waits on the unique index, then fails when that writer commits.
        await using var other = new NpgsqlConnection(fixture.Nodes[0].PostgresConnectionString);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO messages (chat_id, seq, sender_id, content, client_message_id) VALUES ($1, 1000, $2, 'stored elsewhere', 'taken')", other, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = chat.Id });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = alice.Id });
            await insert.ExecuteNonQueryAsync();
        }

        var sends = new[] { Send("first", "one"), Send("again", "taken"), Send("last", "two") };
        await Eventually.UntilAsync(async () => await CountWritersWaitingOnLocksAsync(fixture.Nodes[0].PostgresConnectionString) > 0);
        await transaction.CommitAsync();
        var results = await Task.WhenAll(sends);

        results[1].Content.Should().Be("stored elsewhere", "a send whose clientMessageId was taken returns the stored message");
        results[1].Seq.Should().Be(1000);
        var mine = new[] { results[0], results[2] };
        mine.Select(m => m.Content).Should().Equal("first", "last");
        mine.Select(m => m.Seq).Should().Equal(results[0].Seq, results[0].Seq + 1);
        var received = new[] { await receiver.NextAsync<ChatMessage>(NewMessage), await receiver.NextAsync<ChatMessage>(NewMessage) };
        received.Select(m => m.Id).Should().Equal(mine.Select(m => m.Id));
        (await receiver.StaysQuietAsync(NewMessage)).Should().BeTrue("the message stored elsewhere is not broadcast by this node");
        (await fixture.Nodes[0].ReadLastSeqAsync(chat.Id)).Should().Be(mine[1].Seq, "no seq was taken by the failed batch");
    }

    private static async Task<long> CountWritersWaitingOnLocksAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name LIKE '% (writers)' AND datname = current_database()", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
