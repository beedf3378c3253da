using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Netra.Contracts.Chat;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Chat;

public sealed class ChatApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task CreatingAChatMakesTheCreatorAMemberAndListsItForEveryMemberOnly()
    {
        var (alice, bob, carol) = (await Api.CreateUserAsync("a"), await Api.CreateUserAsync("b"), await Api.CreateUserAsync("c"));

        var chat = await Api.CreateChatAsync(alice, bob);

        chat.MemberIds.Should().BeEquivalentTo([alice.Id, bob.Id]);
        chat.LastSeq.Should().Be(0);
        (await ListAsync(alice)).Select(c => c.Id).Should().Contain(chat.Id);
        (await ListAsync(bob)).Select(c => c.Id).Should().Contain(chat.Id);
        (await ListAsync(carol)).Select(c => c.Id).Should().NotContain(chat.Id);
    }

    public static TheoryData<string> InvalidChats() =>
    [
        """{"title":"","memberIds":[]}""",
        """{"title":"   "}""",
        """{"memberIds":[]}""",
        """{"title":"x","memberIds":[999999999]}""",
        """{"title":"x","memberIds":[-1]}""",
        """{"title":"x","memberIds":"all"}""",
        """{"title":"tab\tin title"}""",
        $$"""{"title":"{{new string('t', 101)}}"}""",
        $$"""{"title":"x","memberIds":[{{string.Join(",", Enumerable.Range(1, 120))}}]}""",
        """{"title":""",
        "null",
    ];

    [Theory]
    [MemberData(nameof(InvalidChats))]
    public async Task InvalidChatsAreRefusedWithValidationFailedAndCreateNothing(string body)
    {
        var alice = await Api.CreateUserAsync("inv");
        using var http = Api.CreateClient(alice);

        var response = await http.PostAsync("/api/chats", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await NetraApi.ReadCodeAsync(response)).Should().Be("VALIDATION_FAILED");
        (await ListAsync(alice)).Should().BeEmpty();
    }

    [Fact]
    public async Task HistoryPagesForwardWithAfterSeqAndBackwardWithBeforeSeqAlwaysAscending()
    {
        var alice = await Api.CreateUserAsync("hist");
        var chat = await Api.CreateChatAsync(alice);
        await using (var client = await UserClient.ConnectAsync(fixture.Server, alice))
        {
            for (var i = 1; i <= 10; i++)
            {
                await client.SendAsync(chat.Id, $"m{i}");
            }
        }

        (await Api.GetMessagesAsync(alice, chat.Id, "?afterSeq=3&limit=4")).Select(m => m.Seq).Should().Equal(4, 5, 6, 7);
        (await Api.GetMessagesAsync(alice, chat.Id, "?beforeSeq=8&limit=3")).Select(m => m.Seq).Should().Equal(5, 6, 7);
        (await Api.GetMessagesAsync(alice, chat.Id, "?afterSeq=2&beforeSeq=5")).Select(m => m.Seq).Should().Equal(3, 4);
        (await Api.GetMessagesAsync(alice, chat.Id, "?afterSeq=10")).Should().BeEmpty();
        (await Api.GetMessagesAsync(alice, chat.Id)).Select(m => m.Content).Should().Equal(Enumerable.Range(1, 10).Select(i => $"m{i}"));
        (await ListAsync(alice)).Single(c => c.Id == chat.Id).LastSeq.Should().Be(10);
    }

    [Theory]
    [InlineData("?limit=0", HttpStatusCode.BadRequest, "VALIDATION_FAILED")]
    [InlineData("?limit=201", HttpStatusCode.BadRequest, "VALIDATION_FAILED")]
    [InlineData("?afterSeq=-1", HttpStatusCode.BadRequest, "VALIDATION_FAILED")]
    [InlineData("?afterSeq=abc", HttpStatusCode.BadRequest, "VALIDATION_FAILED")]
    [InlineData("?beforeSeq=0", HttpStatusCode.BadRequest, "VALIDATION_FAILED")]
    [InlineData("?limit=99999999999999999999", HttpStatusCode.BadRequest, "VALIDATION_FAILED")]
    public async Task InvalidHistoryQueriesAreRefused(string query, HttpStatusCode status, string code)
    {
        var alice = await Api.CreateUserAsync("q");
        var chat = await Api.CreateChatAsync(alice);
        using var http = Api.CreateClient(alice);

        var response = await http.GetAsync($"/api/chats/{chat.Id}/messages{query}");

        response.StatusCode.Should().Be(status);
        (await NetraApi.ReadCodeAsync(response)).Should().Be(code);
    }

    [Fact]
    public async Task AChatThatDoesNotExistLooksLikeOneYouAreNotInSoIdsCannotBeProbed()
    {
        var alice = await Api.CreateUserAsync("nf");
        using var http = Api.CreateClient(alice);
        var response = await http.GetAsync("/api/chats/987654321/messages");
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await NetraApi.ReadCodeAsync(response)).Should().Be("FORBIDDEN");
    }

    [Theory]
    [InlineData("GET", "/api/chats")]
    [InlineData("POST", "/api/chats")]
    [InlineData("GET", "/api/chats/1/messages")]
    public async Task ChatEndpointsNeedAToken(string method, string path)
    {
        using var http = Api.CreateClient(null);
        var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { title = "x" }) });
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await NetraApi.ReadCodeAsync(response)).Should().Be("UNAUTHORIZED");
    }

    private async Task<IReadOnlyList<ChatSummary>> ListAsync(TestUser user)
    {
        using var http = Api.CreateClient(user);
        return (await http.GetFromJsonAsync<List<ChatSummary>>("/api/chats", NetraApi.Json))!;
    }
}
