using FluentAssertions;
using Netra.Contracts;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Client;

public sealed class NetraClientCloseReasonTests
{
    [Fact]
    public async Task ASendOverTheFrameLimitFailsWithTheCodeOfTheServersClose()
    {
        // Content may be longer than one frame may be: the frame limit closes the connection, with a coded reason.
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?>
        {
            ["Netra:Chat:MaxContentLength"] = "100000",
        });
        var api = new NetraApi(server);
        var user = await api.CreateUserAsync("big");
        var chat = await api.CreateChatAsync(user);
        await using var sender = await UserClient.ConnectAsync(server, user);

        var refused = await Expect.RefusedAsync(() => sender.SendAsync(chat.Id, new string('a', 20_000)), ErrorCodes.MessageTooLarge);

        refused.Message.Should().Contain("bytes");
        (await api.GetMessagesAsync(user, chat.Id)).Should().BeEmpty();
    }
}
