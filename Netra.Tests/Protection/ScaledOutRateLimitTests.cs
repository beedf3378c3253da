using FluentAssertions;
using Netra.Contracts;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Protection;

/// <summary>Two nodes sharing one real Redis count a user's messages in one window.</summary>
public sealed class ScaledOutRateLimitTests
{
    [Fact]
    public async Task TheMessageLimitIsCountedAcrossNodes()
    {
        await using var redis = await RedisServer.StartAsync();
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.ConnectionString };
        await using var nodeA = await NetraTestServer.StartAsync(database, settings);
        await using var nodeB = await NetraTestServer.StartAsync(database, settings);
        var alice = await new NetraApi(nodeA).CreateUserAsync("spread");
        var chat = await new NetraApi(nodeA).CreateChatAsync(alice);
        await using var onA = await UserClient.ConnectAsync(nodeA, alice);
        await using var onB = await UserClient.ConnectAsync(nodeB, alice);

        for (var i = 1; i <= 60; i++)
        {
            await (i % 2 == 0 ? onA : onB).SendAsync(chat.Id, $"m{i}");
        }

        foreach (var client in new[] { onA, onB })
        {
            (await Expect.RefusedAsync(() => client.Client.SendMessageAsync(chat.Id, "one too many"), ErrorCodes.RateLimited))
                .Message.Should().MatchRegex(@"^RATE_LIMITED: 60 messages per minute; retry in \d+ s$");
        }

        (await nodeA.ReadLastSeqAsync(chat.Id)).Should().Be(60);
    }
}
