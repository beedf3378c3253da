using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Netra.Contracts;
using Netra.Contracts.Realtime;
using Netra.Server.Chat;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Chat;

/// <summary>
/// Typing ends by itself: a state not refreshed within the timeout, or whose connection closed, reaches the chat's
/// other subscribers on every node as Typing(isTyping: false). The timer lives on the typer's node.
/// </summary>
public sealed class TypingExpiryTests(TypingExpiryFixture fixture) : IClassFixture<TypingExpiryFixture>
{
    [Fact]
    public async Task ATypingStateThatIsNotRefreshedEndsByItselfForMembersOnTheOtherNode()
    {
        var (typer, watcher, chatId) = await ChatOfTwoAsync();
        await using var typerHub = await UserClient.ConnectAsync(fixture.Nodes[0], typer);
        await using var watcherHub = await UserClient.ConnectAsync(fixture.Nodes[1], watcher);
        await watcherHub.SubscribeAsync(Channels.Chat(chatId));
        await typerHub.SubscribeAsync(Channels.Chat(chatId));

        await SetTypingAsync(typerHub, chatId, true);
        (await watcherHub.Typing.NextAsync()).Should().Be(new TypingEvent(chatId, typer.Id, typer.UserName, true));

        // No refresh: the typer's node ends it.
        (await watcherHub.Typing.NextAsync()).Should().Be(new TypingEvent(chatId, typer.Id, typer.UserName, false));
        (await typerHub.Typing.StaysQuietAsync()).Should().BeTrue();
        Tracker(0).Count.Should().Be(0);
    }

    [Fact]
    public async Task ClosingTheTypersConnectionEndsItsTypingAtOnce()
    {
        var (typer, watcher, chatId) = await ChatOfTwoAsync();
        await using var watcherHub = await UserClient.ConnectAsync(fixture.Nodes[1], watcher);
        await watcherHub.SubscribeAsync(Channels.Chat(chatId));
        var typerHub = await UserClient.ConnectAsync(fixture.Nodes[0], typer);
        await SetTypingAsync(typerHub, chatId, true);
        (await watcherHub.Typing.NextAsync()).IsTyping.Should().BeTrue();

        await typerHub.DisposeAsync();

        (await watcherHub.Typing.NextAsync()).Should().Be(new TypingEvent(chatId, typer.Id, typer.UserName, false));
        await Eventually.UntilAsync(() => Tracker(0).Count == 0);
    }

    [Fact]
    public async Task RefreshingKeepsOneStateAndAnExplicitStopEndsItWithoutALaterExpiry()
    {
        var (typer, watcher, chatId) = await ChatOfTwoAsync();
        await using var typerHub = await UserClient.ConnectAsync(fixture.Nodes[0], typer);
        await using var watcherHub = await UserClient.ConnectAsync(fixture.Nodes[1], watcher);
        await watcherHub.SubscribeAsync(Channels.Chat(chatId));
        var before = Tracker(0).Count;

        await SetTypingAsync(typerHub, chatId, true);
        await SetTypingAsync(typerHub, chatId, true);
        Tracker(0).Count.Should().Be(before + 1);
        await SetTypingAsync(typerHub, chatId, false);
        Tracker(0).Count.Should().Be(before);

        (await watcherHub.Typing.NextAsync()).IsTyping.Should().BeTrue();
        (await watcherHub.Typing.NextAsync()).IsTyping.Should().BeTrue();
        (await watcherHub.Typing.NextAsync()).IsTyping.Should().BeFalse();
    }

    [Fact]
    public async Task ANonMemberCannotTypeAndHoldsNoState()
    {
        var (_, _, chatId) = await ChatOfTwoAsync();
        var stranger = await fixture.Api.CreateUserAsync("stranger");
        await using var strangerHub = await UserClient.ConnectAsync(fixture.Nodes[0], stranger);
        var before = Tracker(0).Count;

        await Expect.RefusedAsync(() => SetTypingAsync(strangerHub, chatId, true), ErrorCodes.Forbidden);
        Tracker(0).Count.Should().Be(before);
    }

    private TypingTracker Tracker(int node) => fixture.Nodes[node].Services.GetRequiredService<TypingTracker>();

    private static Task SetTypingAsync(UserClient client, long chatId, bool isTyping) =>
        client.Client.SetTypingAsync(chatId, isTyping).WaitAsync(TestTimeouts.Network);

    private async Task<(TestUser Typer, TestUser Watcher, long ChatId)> ChatOfTwoAsync()
    {
        var typer = await fixture.Api.CreateUserAsync("typer");
        var watcher = await fixture.Api.CreateUserAsync("watcher");
        var chat = await fixture.Api.CreateChatAsync(typer, watcher);
        return (typer, watcher, chat.Id);
    }
}
