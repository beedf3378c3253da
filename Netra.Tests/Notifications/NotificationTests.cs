using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Netra.Contracts;
using Netra.Contracts.Feed;
using Netra.Contracts.Notifications;
using Netra.Tests.Backplane;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Notifications;

/// <summary>Notifications on two nodes: pushed to every connection of the user on every node; read/unread per user; only your own.</summary>
public sealed class NotificationTests(TwoNodesFixture fixture) : IClassFixture<TwoNodesFixture>
{
    [Fact]
    public async Task ANotificationReachesEveryTabOfTheUserOnBothNodesAndIsMarkedReadByItsOwnerOnly()
    {
        var author = await fixture.Api.CreateUserAsync("author");
        var commenter = await fixture.Api.CreateUserAsync("commenter");
        await using var onA = await UserClient.ConnectAsync(fixture.Nodes[0], author);
        await using var onB = await UserClient.ConnectAsync(fixture.Nodes[1], author);
        await using var commenterHub = await UserClient.ConnectAsync(fixture.Nodes[1], commenter);

        var post = await PostAsync(fixture.Nodes[0], author, "/api/posts", new CreatePostRequest("a post"));
        await PostAsync(fixture.Nodes[1], commenter, $"/api/posts/{post.GetProperty("id").GetInt64()}/comments", new CreateCommentRequest("a comment"));

        var first = await onA.Notifications.NextAsync();
        var second = await onB.Notifications.NextAsync();
        second.Should().BeEquivalentTo(first, options => options.Excluding(n => n.Data));
        second.Data.GetRawText().Should().Be(first.Data.GetRawText());
        first.Type.Should().Be(NotificationTypes.CommentOnPost);
        (await commenterHub.Notifications.StaysQuietAsync()).Should().BeTrue();

        using var commenterHttp = new NetraApi(fixture.Nodes[1]).CreateClient(commenter);
        var notYours = await commenterHttp.PostAsync($"/api/notifications/{first.Id}/read", null);
        notYours.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await NetraApi.ReadCodeAsync(notYours)).Should().Be(ErrorCodes.NotFound);

        using var authorHttp = new NetraApi(fixture.Nodes[1]).CreateClient(author);
        (await authorHttp.GetFromJsonAsync<List<NotificationEvent>>("/api/notifications?unread=true", NetraApi.Json))!.Select(n => n.Id).Should().Equal(first.Id);
        var read = await authorHttp.PostAsync($"/api/notifications/{first.Id}/read", null);
        read.StatusCode.Should().Be(HttpStatusCode.OK);
        (await read.Content.ReadFromJsonAsync<NotificationEvent>(NetraApi.Json))!.IsRead.Should().BeTrue();
        (await authorHttp.GetFromJsonAsync<List<NotificationEvent>>("/api/notifications?unread=true", NetraApi.Json)).Should().BeEmpty();
        (await authorHttp.GetFromJsonAsync<List<NotificationEvent>>("/api/notifications", NetraApi.Json))!.Single().IsRead.Should().BeTrue();
        (await NetraApi.ReadCodeAsync(await authorHttp.GetAsync("/api/notifications?limit=0"))).Should().Be(ErrorCodes.ValidationFailed);
        (await NetraApi.ReadCodeAsync(await authorHttp.GetAsync("/api/notifications?unread=maybe"))).Should().Be(ErrorCodes.ValidationFailed);
        (await authorHttp.PostAsync("/api/notifications/999999999/read", null)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AConnectionRequestAndItsAcceptanceCrossNodes()
    {
        var alice = await fixture.Api.CreateUserAsync("alice");
        var bob = await fixture.Api.CreateUserAsync("bob");
        await using var aliceOnB = await UserClient.ConnectAsync(fixture.Nodes[1], alice);
        await using var bobOnB = await UserClient.ConnectAsync(fixture.Nodes[1], bob);

        var request = await PostAsync(fixture.Nodes[0], alice, "/api/connections/requests", new CreateConnectionRequest(bob.Id));
        var requestId = request.GetProperty("id").GetInt64();
        (await bobOnB.ConnectionRequests.NextAsync()).RequestId.Should().Be(requestId);

        using var bobHttp = new NetraApi(fixture.Nodes[0]).CreateClient(bob);
        (await bobHttp.PostAsync($"/api/connections/requests/{requestId}/accept", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await aliceOnB.ConnectionAccepts.NextAsync()).UserId.Should().Be(bob.Id);
    }

    private static async Task<System.Text.Json.JsonElement> PostAsync(NetraTestServer node, TestUser user, string path, object body)
    {
        using var http = new NetraApi(node).CreateClient(user);
        var response = await http.PostAsJsonAsync(path, body);
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(NetraApi.Json);
    }
}
