using FluentAssertions;
using Netra.Client;
using Netra.Contracts;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Client;

public sealed class NetraClientTokenRefreshTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task WhenTheServerClosesForAnExpiredTokenTheClientReconnectsWithAFreshOneAndLosesNothing()
    {
        var (alice, bob) = (await fixture.Api.CreateUserAsync("expiring"), await fixture.Api.CreateUserAsync("writer"));
        var chat = await fixture.Api.CreateChatAsync(alice, bob);
        var issued = 0;
        await using var events = UserClient.Create(new NetraClientOptions
        {
            Url = fixture.Server.BaseAddress,
            // The first token lives 3 s; every later one an hour, as a refresh from the app's auth would.
            AccessTokenProvider = _ => ValueTask.FromResult<string?>(
                Interlocked.Increment(ref issued) == 1
                    ? TestTokens.Create(alice.Id, expires: DateTime.UtcNow.AddSeconds(3))
                    : TestTokens.Create(alice.Id)),
            RetryPolicy = new ExponentialBackoffRetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(500) },
        });
        await events.Client.ConnectAsync().WaitAsync(TestTimeouts.Network);
        await events.SubscribeAsync(Channels.Chat(chat.Id));
        await using var writer = await UserClient.ConnectAsync(fixture.Server, bob);
        await writer.SendAsync(chat.Id, "before expiry");
        (await events.Messages.NextAsync()).Content.Should().Be("before expiry");

        await events.WaitForStateAsync(NetraConnectionState.Reconnecting);
        await writer.SendAsync(chat.Id, "while reconnecting");
        await events.WaitForStateAsync(NetraConnectionState.Connected);
        await writer.SendAsync(chat.Id, "after refresh");

        (await events.Messages.TakeAsync(2)).Select(m => m.Content).Should().Equal("while reconnecting", "after refresh");
        (await events.Messages.StaysQuietAsync()).Should().BeTrue();
        issued.Should().BeGreaterThanOrEqualTo(2);
    }
}
