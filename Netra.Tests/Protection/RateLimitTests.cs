using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Netra.Client;
using Netra.Contracts;
using Netra.Contracts.Auth;
using Netra.Contracts.Chat;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Protection;

/// <summary>Every limit at its boundary, with the defaults of DESIGN.md (one fresh node per class).</summary>
public sealed class RateLimitTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task TheSixtyFirstMessageInAMinuteIsRefusedAcrossTheUsersConnectionsAndChangesNothing()
    {
        var (alice, bob) = (await Api.CreateUserAsync("flood"), await Api.CreateUserAsync("calm"));
        var chat = await Api.CreateChatAsync(alice, bob);
        await using var tab1 = await UserClient.ConnectAsync(fixture.Server, alice);
        await using var tab2 = await UserClient.ConnectAsync(fixture.Server, alice);
        await using var other = await UserClient.ConnectAsync(fixture.Server, bob);

        for (var i = 1; i <= 60; i++)
        {
            // 30 from each tab: the limit is per user, not per connection. The 59th and 60th pass too.
            (await (i % 2 == 0 ? tab1 : tab2).SendAsync(chat.Id, $"m{i}")).Seq.Should().Be(i);
        }

        var error = await Expect.RefusedAsync(() => tab1.Client.SendMessageAsync(chat.Id, "one too many"), ErrorCodes.RateLimited);

        error.Message.Should().MatchRegex(@"^RATE_LIMITED: 60 messages per minute; retry in \d+ s$");
        (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(60, "a refused send stores nothing");
        tab1.Client.State.Should().Be(NetraConnectionState.Connected);
        await tab2.Client.PingAsync().WaitAsync(TestTimeouts.Network); // other calls have their own budget
        (await other.SendAsync(chat.Id, "bob is not limited")).Seq.Should().Be(61);
    }

    [Fact]
    public async Task ARetryOfAnAlreadyStoredMessageIsCountedLikeAnyCall()
    {
        // The limit protects the server from work, and an idempotent retry is still a call to answer.
        var alice = await Api.CreateUserAsync("retry");
        var chat = await Api.CreateChatAsync(alice);
        await using var client = await UserClient.ConnectAsync(fixture.Server, alice);
        var send = () => client.Client.SendMessageAsync(chat.Id, "same", clientMessageId: "one-id");
        for (var i = 0; i < 60; i++)
        {
            await send().WaitAsync(TestTimeouts.Network);
        }

        await Expect.RefusedAsync(send, ErrorCodes.RateLimited);
        (await fixture.Server.ReadLastSeqAsync(chat.Id)).Should().Be(1);
    }

    [Fact]
    public async Task TheEleventhLoginAttemptInAMinuteForOneNameIsRefusedWithRetryAfter()
    {
        var user = await Api.CreateUserAsync("login");
        using var http = fixture.Server.CreateHttpClient();
        for (var i = 1; i <= 9; i++)
        {
            (await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(user.UserName, "wrong-password"))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        // CreateUserAsync logged in once, so this is the 11th attempt: refused even with the right password.
        var eleventh = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(user.UserName, user.Password));

        eleventh.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await NetraApi.ReadCodeAsync(eleventh)).Should().Be("RATE_LIMITED");
        // Counted per second: the first attempt's second counts until a minute after it ends.
        eleventh.Headers.RetryAfter!.Delta!.Value.Should().BePositive().And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(61));
        var otherUser = await Api.CreateUserAsync("login");
        (await Api.LoginAsync(otherUser.UserName, otherUser.Password)).User.Id.Should().Be(otherUser.Id, "the limit is per IP and user name");
    }

    [Fact]
    public async Task ConnectionAttemptsPerIpAreLimitedAtTheHandshake()
    {
        await using var server = await NetraTestServer.StartWithLimitAsync("ConnectAttemptsPerMinutePerIp", 3);
        var user = await new NetraApi(server).CreateUserAsync("conn");

        var open = new List<UserClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                open.Add(await UserClient.ConnectAsync(server, user));
            }

            var fourth = () => UserClient.ConnectAsync(server, user);
            (await fourth.Should().ThrowAsync<Exception>()).Which.Message.Should().Contain("429");
            using var http = server.CreateHttpClient();
            var negotiate = await http.PostAsync("/ws/negotiate?negotiateVersion=1&access_token=" + Uri.EscapeDataString(user.Token), null);
            negotiate.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
            (await NetraApi.ReadCodeAsync(negotiate)).Should().Be("RATE_LIMITED");
            open.Should().AllSatisfy(c => c.Client.State.Should().Be(NetraConnectionState.Connected));
        }
        finally
        {
            await AsyncDisposables.DisposeAllAsync(open);
        }
    }

    [Fact]
    public async Task AWebSocketThatSkipsNegotiationCountsAsAnAttemptToo()
    {
        await using var server = await NetraTestServer.StartWithLimitAsync("ConnectAttemptsPerMinutePerIp", 2);
        var user = await new NetraApi(server).CreateUserAsync("bare");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await BareHandshake.OpenAsync(server, user.Token)).Status);
        }

        statuses.Should().Equal(HttpStatusCode.SwitchingProtocols, HttpStatusCode.SwitchingProtocols, HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task RegistrationsPerIpAreLimitedAndARefusedOneCreatesNoAccount()
    {
        await using var server = await NetraTestServer.StartWithLimitAsync("RegistrationsPerMinutePerIp", 3);
        var api = new NetraApi(server);
        for (var i = 0; i < 3; i++)
        {
            await api.CreateUserAsync("reg");
        }

        using var http = server.CreateHttpClient();
        var fourth = await http.PostAsJsonAsync("/api/auth/register", new RegisterRequest("reg-fourth", "pw-0123456789", "Fourth"));

        fourth.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await NetraApi.ReadCodeAsync(fourth)).Should().Be("RATE_LIMITED");
        fourth.Headers.RetryAfter!.Delta!.Value.Should().BePositive().And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(61));
        (await http.PostAsJsonAsync("/api/auth/login", new LoginRequest("reg-fourth", "pw-0123456789"))).StatusCode
            .Should().Be(HttpStatusCode.Unauthorized, "the refused registration created no account");
    }

    [Fact]
    public async Task RestWritesDrawOnTheUsersCallBudgetAndReadsDoNot()
    {
        await using var server = await NetraTestServer.StartWithLimitAsync("CallsPerMinute", 5);
        var api = new NetraApi(server);
        var (alice, bob) = (await api.CreateUserAsync("writer"), await api.CreateUserAsync("other"));
        using var asAlice = api.CreateClient(alice);
        for (var i = 0; i < 5; i++)
        {
            (await asAlice.PostAsJsonAsync("/api/chats", new CreateChatRequest($"c{i}", [], false))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        var sixth = await asAlice.PostAsJsonAsync("/api/chats", new CreateChatRequest("one too many", [], false));
        sixth.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await NetraApi.ReadCodeAsync(sixth)).Should().Be("RATE_LIMITED");
        sixth.Headers.RetryAfter.Should().NotBeNull();
        using (var upload = new MultipartFormDataContent { { new ByteArrayContent("hello"u8.ToArray()), "file", "a.txt" } })
        {
            (await asAlice.PostAsync("/api/uploads", upload)).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        }

        var chats = await asAlice.GetFromJsonAsync<List<ChatSummary>>("/api/chats", NetraApi.Json);
        chats!.Select(chat => chat.Title).Should().BeEquivalentTo(["c0", "c1", "c2", "c3", "c4"], "reads are not counted and the refused write stored nothing");
        await using var hub = await UserClient.ConnectAsync(server, alice);
        (await Expect.RefusedAsync(() => hub.Client.SubscribeAsync("presence"), ErrorCodes.RateLimited))
            .Message.Should().MatchRegex(@"^RATE_LIMITED: 5 calls per minute; retry in \d+ s$", "hub calls share the budget");
        (await api.CreateChatAsync(bob)).Title.Should().NotBeNullOrEmpty("each user has a budget of their own");
    }
}
