using System.Text.Json;
using FluentAssertions;
using Netra.Contracts;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Realtime;

/// <summary>
/// permessage-deflate on the hub (<c>Netra:Realtime:WebSocketCompression</c>): accepted when a client offers it and the
/// option is on, and then every frame both ways is compressed; never forced on a client that does not offer it.
/// </summary>
public sealed class WebSocketCompressionTests
{
    [Fact]
    public async Task WithCompressionOnAClientThatOffersItChatsOverDeflatedFramesBesideOneThatDoesNot()
    {
        await using var server = await NetraTestServer.StartAsync(
            await (await PostgresServer.SharedAsync()).CreateDatabaseAsync(),
            new Dictionary<string, string?> { ["Netra:Realtime:WebSocketCompression"] = "true" });
        var api = new NetraApi(server);
        var (alice, bob) = (await api.CreateUserAsync("deflate"), await api.CreateUserAsync("plain"));
        var chat = await api.CreateChatAsync(alice, bob);
        await using var compressed = await RawHubClient.ConnectAsync(server, alice.Token, offerCompression: true);
        await using var plain = await RawHubClient.ConnectAsync(server, bob.Token);

        compressed.AcceptedExtensions.Should().Contain("permessage-deflate").And.Contain("server_no_context_takeover");
        foreach (var client in new[] { compressed, plain })
        {
            (await client.InvokeRawAsync("Subscribe", $"""["{Channels.Chat(chat.Id)}", null]""")).TryGetProperty("error", out _).Should().BeFalse();
        }

        // Long, repetitive messages, what deflate is for: one the server deflates for alice, one she deflates for it.
        var toAlice = string.Concat(Enumerable.Repeat("the build is green again; ", 120));
        await SendAsync(plain, chat.Id, toAlice, "to-alice");
        (await NextContentAsync(compressed)).Should().Be(toAlice);
        var fromAlice = string.Concat(Enumerable.Repeat("deploying to production now; ", 120));
        await SendAsync(compressed, chat.Id, fromAlice, "from-alice");
        (await NextContentAsync(plain, skip: toAlice)).Should().Be(fromAlice);
    }

    private static async Task SendAsync(RawHubClient client, long chatId, string content, string clientMessageId)
    {
        var completion = await client.InvokeRawAsync("SendMessage", JsonSerializer.Serialize(new[] { new { chatId, content, clientMessageId } }));
        completion.TryGetProperty("error", out _).Should().BeFalse(completion.ToString());
    }

    /// <summary>The content of the next NewMessage, past one whose content is <paramref name="skip"/> (the client's own, echoed).</summary>
    private static async Task<string?> NextContentAsync(RawHubClient client, string? skip = null)
    {
        while (true)
        {
            foreach (var message in await client.NextInvocationsAsync("NewMessage"))
            {
                var content = message.GetProperty("arguments")[0].GetProperty("content").GetString();
                if (content != skip)
                {
                    return content;
                }
            }
        }
    }

    [Fact]
    public async Task WithCompressionOffByDefaultAnOfferIsDeclinedAndTheClientChatsUncompressed()
    {
        await using var server = await NetraTestServer.StartAsync(await (await PostgresServer.SharedAsync()).CreateDatabaseAsync());
        var alice = await new NetraApi(server).CreateUserAsync("offer");
        await using var client = await RawHubClient.ConnectAsync(server, alice.Token, offerCompression: true);

        client.AcceptedExtensions.Should().BeNull();
        (await client.InvokeRawAsync("Ping", "[]")).GetProperty("result").GetProperty("serverTime").ValueKind.Should().Be(JsonValueKind.String);
    }
}
