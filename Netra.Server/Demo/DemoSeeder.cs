using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Netra.Contracts.Chat;
using Netra.Server.Auth;
using Netra.Server.Chat;

namespace Netra.Server.Demo;

/// <summary>
/// Creates the demo users (demo / demo-password, alice / alice-password) and a chat between them,
/// once: an existing user or chat is left as it is. Runs after the migrations.
/// </summary>
internal sealed class DemoSeeder(
    IOptions<DemoOptions> options,
    UserStore users,
    IPasswordHasher<UserRecord> hasher,
    ChatService chats,
    ILogger<DemoSeeder> logger) : IHostedService
{
    public static readonly (string UserName, string Password, string DisplayName)[] Users =
    [
        ("demo", "demo-password", "Demo User"),
        ("alice", "alice-password", "Alice"),
    ];

    private static readonly string Logins = string.Join(", ", Users.Select(u => $"{u.UserName} / {u.Password}"));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var created = new List<UserRecord>();
        foreach (var (userName, password, displayName) in Users)
        {
            var user = await users.FindByUserNameAsync(userName, cancellationToken)
                ?? await users.CreateAsync(userName, displayName, hasher.HashPassword(new UserRecord(), password), [], cancellationToken);
            created.Add(user!);
        }

        var demo = created[0];
        if ((await chats.ListAsync(demo.Id, cancellationToken)).Count == 0)
        {
            var chat = await chats.CreateAsync(demo.Id, new CreateChatRequest("Welcome to Netra", created[1..].Select(u => u.Id).ToList()), cancellationToken);
            await chats.SendAsync(created[1].Id, new SendMessageRequest(chat.Id, "Hi! This chat is live: open it in two tabs and say something.", null, "demo-welcome"), null, cancellationToken);
        }

        DemoLog.Seeded(logger, Logins);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
