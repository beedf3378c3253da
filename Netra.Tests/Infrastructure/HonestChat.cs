using Netra.Contracts;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// The honest side of a hostile-input test: alice and bob in one chat, both connected, bob following it; and mallory,
/// signed up to play the attacker.
/// </summary>
public sealed class HonestChat : IAsyncDisposable
{
    private HonestChat(UserClient alice, UserClient bob, TestUser mallory, long chatId)
    {
        Alice = alice;
        Bob = bob;
        Mallory = mallory;
        ChatId = chatId;
    }

    public UserClient Alice { get; }

    public UserClient Bob { get; }

    public TestUser Mallory { get; }

    public long ChatId { get; }

    public static async Task<HonestChat> StartAsync(NetraTestServer server)
    {
        var api = new NetraApi(server);
        var (alice, bob, mallory) = (await api.CreateUserAsync("alice"), await api.CreateUserAsync("bob"), await api.CreateUserAsync("mallory"));
        var chat = await api.CreateChatAsync(alice, bob);
        var connected = new List<UserClient>();
        try
        {
            connected.Add(await UserClient.ConnectAsync(server, alice));
            connected.Add(await UserClient.ConnectAsync(server, bob));
            await connected[1].SubscribeAsync(Channels.Chat(chat.Id));
            return new HonestChat(connected[0], connected[1], mallory, chat.Id);
        }
        catch
        {
            await AsyncDisposables.DisposeAllAsync(connected);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Alice.DisposeAsync();
        await Bob.DisposeAsync();
    }
}
