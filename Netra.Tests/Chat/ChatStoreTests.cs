using Dapper;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Netra.Server.Chat;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Chat;

/// <summary><see cref="ChatStore.AppendAsync"/>, the one write of every chat message, against a real PostgreSQL.</summary>
public sealed class ChatStoreTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private ChatStore Store => fixture.Server.Services.GetRequiredService<ChatStore>();

    [Fact]
    public async Task ABatchOfSeveralChatsTakesEachChatsNextSeqsInOrderAndLeavesOutWhatItMust()
    {
        var (alice, bob, carol) = await CreateUsersAsync("mixed");
        var x = (await Store.CreateChatAsync(alice, "x", [bob], readReceipts: false, CancellationToken.None)).Id;
        var y = (await Store.CreateChatAsync(alice, "y", [carol], readReceipts: false, CancellationToken.None)).Id;
        (await Store.AppendAsync([new NewMessage(x, alice, "before", null, "m-before")], CancellationToken.None)).Should().ContainSingle();

        var appended = await Store.AppendAsync(
            [
                new NewMessage(y, carol, "y1", "/uploads/a.png", "m-y1"),
                new NewMessage(x, alice, "x1", null, "m-x1"),
                new NewMessage(x, carol, "not a member of x", null, "m-carol-x"),
                new NewMessage(x, bob, "x2", null, "m-x2"),
                new NewMessage(x, alice, "sent before", null, "m-before"),
                new NewMessage(y, alice, "y2", null, "m-y2"),
            ],
            CancellationToken.None);

        // Chat id order, then seq; within a chat the order sent; the non-member's and the repeated clientMessageId left out.
        // Each comes with its place in the batch.
        appended.Select(s => s.Index).Should().Equal(1, 3, 0, 5);
        var stored = appended.Select(s => s.Message).ToList();
        stored.Select(m => (m.ChatId, m.Seq, m.SenderId, m.Content, m.Attachment, m.ClientMessageId)).Should().Equal(
            (x, 2L, alice, "x1", null, "m-x1"),
            (x, 3L, bob, "x2", null, "m-x2"),
            (y, 1L, carol, "y1", "/uploads/a.png", "m-y1"),
            (y, 2L, alice, "y2", null, "m-y2"));
        stored.Select(m => m.SenderName).Should().Equal("mixed 0", "mixed 1", "mixed 2", "mixed 0");

        // What the answer says is what was stored.
        await using var database = new NpgsqlConnection(fixture.Server.PostgresConnectionString);
        var rows = await database.QueryAsync<(long Id, long ChatId, long Seq, string Content, string? Attachment, DateTime CreatedAt)>(
            "SELECT id, chat_id, seq, content, attachment, created_at FROM messages WHERE (chat_id = @x AND seq > 1) OR chat_id = @y ORDER BY chat_id, seq",
            new { x, y });
        rows.Select(r => (r.Id, r.ChatId, r.Seq, r.Content, r.Attachment, r.CreatedAt))
            .Should().Equal(stored.Select(m => (m.Id, m.ChatId, m.Seq, m.Content, m.Attachment, m.Timestamp.UtcDateTime)));
        (await database.QueryAsync<long>("SELECT last_seq FROM chats WHERE id = ANY(@chats) ORDER BY id", new { chats = new[] { x, y } }))
            .Should().Equal(3, 2);
    }

    [Fact]
    public async Task ABatchLocksItsChatsInAscendingIdOrderWhateverTheOrderSentAndThePlan()
    {
        // Two nodes writing batches over the same chats cannot deadlock if each takes its row locks by ascending chat id,
        // here with the lower id's message sent second.
        var (alice, bob, _) = await CreateUsersAsync("ordered");
        var low = (await Store.CreateChatAsync(alice, "low", [bob], readReceipts: false, CancellationToken.None)).Id;
        var high = (await Store.CreateChatAsync(alice, "high", [bob], readReceipts: false, CancellationToken.None)).Id;
        var stored = await DatabaseRows.ShouldLockInAscendingIdOrderAsync(fixture.Server.PostgresConnectionString, "chats", "title", low, high, () =>
            Store.AppendAsync([new NewMessage(high, alice, "h", null, "m-h"), new NewMessage(low, bob, "l", null, "m-l")], CancellationToken.None));

        stored.Select(s => (s.Message.ChatId, s.Message.Seq, s.Message.Content, s.Index)).Should().Equal((low, 1L, "l", 1), (high, 1L, "h", 0));
    }

    [Fact]
    public async Task BatchesOverTheSameChatsInOtherOrdersAtOnceLeaveEveryChatGapless()
    {
        var (alice, bob, _) = await CreateUsersAsync("gapless");
        var chats = new long[3];
        for (var c = 0; c < chats.Length; c++)
        {
            chats[c] = (await Store.CreateChatAsync(alice, $"gapless {c}", [bob], readReceipts: false, CancellationToken.None)).Id;
        }

        const int batches = 12, perBatch = 30;
        var sent = Enumerable.Range(0, batches).Select(b => Enumerable.Range(0, perBatch)
            .Select(i => new NewMessage(chats[(b + (b % 2 == 0 ? i : 2 * i)) % 3], i % 2 == 0 ? alice : bob, $"{b}:{i}", null, $"m-{b}-{i}"))
            .ToList()).ToList();

        var results = await Task.WhenAll(sent.Select(batch => Task.Run(async () => (await Store.AppendAsync(batch, CancellationToken.None)).Select(s => s.Message).ToList())));

        foreach (var chat in chats)
        {
            results.SelectMany(batch => batch.Where(m => m.ChatId == chat).Select(m => m.Seq)).Order()
                .Should().Equal(Enumerable.Range(1, batches * perBatch / 3).Select(s => (long)s), "chat {0} takes every seq once", chat);
            for (var b = 0; b < batches; b++)
            {
                // Within a batch, a chat's messages take its seqs in the order sent.
                results[b].Where(m => m.ChatId == chat).Select(m => m.Content)
                    .Should().Equal(sent[b].Where(m => m.ChatId == chat).Select(m => m.Content));
                results[b].Where(m => m.ChatId == chat).Select(m => m.Seq).Should().BeInAscendingOrder();
            }
        }
    }

    private async Task<(long, long, long)> CreateUsersAsync(string prefix)
    {
        var ids = await DatabaseRows.CreateUsersAsync(fixture.Server.PostgresConnectionString, prefix, 3);
        return (ids[0], ids[1], ids[2]);
    }
}
