using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Netra.Contracts;
using Netra.Contracts.Feed;
using Netra.Contracts.Notifications;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Feed;

/// <summary>
/// Posts and comments: stored with the feed's seq in one transaction, pushed as NewPost / NewComment on
/// <c>feed</c>, replayed by Subscribe(feed, sinceSeq) as Post and Comment objects; a comment notifies the
/// post's author unless it is their own post.
/// </summary>
public sealed class FeedTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task APostAndACommentArePushedOnTheFeedWithConsecutiveSeqsAndReplayedAfterThem()
    {
        var author = await fixture.Api.CreateUserAsync("author");
        var reader = await fixture.Api.CreateUserAsync("reader");
        await using var live = await UserClient.ConnectAsync(fixture.Server, reader);
        await live.SubscribeAsync(Channels.Feed);

        // A strict client delivers a live event only right after the feed's head when it subscribed: the post is head + 1.
        var post = await PostAsync(author, "hello feed");
        post.AuthorId.Should().Be(author.Id);
        post.AuthorName.Should().Be(author.DisplayName);
        (await live.Posts.NextAsync()).Should().Be(post);

        var comment = await CommentAsync(reader, post.Id, "nice post");
        comment.Seq.Should().Be(post.Seq + 1);
        comment.PostId.Should().Be(post.Id);
        (await live.Comments.NextAsync()).Should().Be(comment);

        await using var resumed = await UserClient.ConnectAsync(fixture.Server, reader);
        await resumed.Client.SubscribeAsync(Channels.Feed, post.Seq - 1).WaitAsync(TestTimeouts.Network);
        (await resumed.Posts.NextAsync()).Should().Be(post, "the replay is read as the Post live delivery sends");
        (await resumed.Comments.NextAsync()).Should().Be(comment, "and a comment (it has a postId) as the Comment");
        (await resumed.ResumeIncomplete.StaysQuietAsync()).Should().BeTrue("everything missed was replayed");

        using var http = fixture.Api.CreateClient(reader);
        (await http.GetFromJsonAsync<Post>($"/api/posts/{post.Id}", NetraApi.Json)).Should().Be(post);
        (await http.GetFromJsonAsync<List<Comment>>($"/api/posts/{post.Id}/comments", NetraApi.Json)).Should().Equal(comment);
        var page = await http.GetFromJsonAsync<List<Post>>($"/api/posts?beforeId={post.Id + 1}&limit=1", NetraApi.Json);
        page.Should().Equal(post);
    }

    [Fact]
    public async Task ACommentNotifiesThePostsAuthorOnEveryTabButNotWhenTheyCommentOnTheirOwnPost()
    {
        var author = await fixture.Api.CreateUserAsync("author");
        var commenter = await fixture.Api.CreateUserAsync("commenter");
        await using var tab1 = await UserClient.ConnectAsync(fixture.Server, author);
        await using var tab2 = await UserClient.ConnectAsync(fixture.Server, author);
        await using var other = await UserClient.ConnectAsync(fixture.Server, commenter);
        var post = await PostAsync(author, "my post");

        var comment = await CommentAsync(commenter, post.Id, "first!");
        foreach (var tab in new[] { tab1, tab2 })
        {
            var notification = await tab.Notifications.NextAsync();
            notification.Type.Should().Be(NotificationTypes.CommentOnPost);
            notification.IsRead.Should().BeFalse();
            notification.Data.GetProperty("postId").GetInt64().Should().Be(post.Id);
            notification.Data.GetProperty("commentId").GetInt64().Should().Be(comment.Id);
            notification.Data.GetProperty("fromUserId").GetInt64().Should().Be(commenter.Id);
            notification.Data.GetProperty("fromUserName").GetString().Should().Be(commenter.DisplayName);
        }

        (await other.Notifications.StaysQuietAsync()).Should().BeTrue();

        await CommentAsync(author, post.Id, "thanks");
        (await tab1.Notifications.StaysQuietAsync()).Should().BeTrue();
        using var http = fixture.Api.CreateClient(author);
        var stored = await http.GetFromJsonAsync<List<NotificationEvent>>("/api/notifications?unread=true", NetraApi.Json);
        stored!.Select(n => n.Type).Should().Equal(NotificationTypes.CommentOnPost);
    }

    [Fact]
    public async Task ACommentWhosePreviewWouldCutAnEmojiInHalfIsStoredWithTheEmojiLeftOut()
    {
        var author = await fixture.Api.CreateUserAsync("emoji-author");
        var commenter = await fixture.Api.CreateUserAsync("emoji-commenter");
        await using var tab = await UserClient.ConnectAsync(fixture.Server, author);
        var post = await PostAsync(author, "a post");
        // The preview keeps 140 UTF-16 units: the 140th is the first half of the emoji.
        var content = new string('a', 139) + "😀 and more";

        var comment = await CommentAsync(commenter, post.Id, content);

        comment.Content.Should().Be(content);
        var notification = await tab.Notifications.NextAsync();
        notification.Data.GetProperty("preview").GetString().Should().Be(new string('a', 139));
    }

    public static TheoryData<string, string, HttpStatusCode, string> BadPosts => new()
    {
        { "no body", "", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "empty content", """{"content":""}""", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "white space", """{"content":"   "}""", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "a control character", """{"content":"a\u0007b"}""", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "10 KB of content", $$"""{"content":"{{new string('x', 10_240)}}"}""", HttpStatusCode.RequestEntityTooLarge, ErrorCodes.MessageTooLarge },
        { "not JSON", "content=hi", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
    };

    [Theory]
    [MemberData(nameof(BadPosts))]
    public async Task BadPostsAndCommentsAreRefusedAndPushNothing(string why, string body, HttpStatusCode status, string code)
    {
        var user = await fixture.Api.CreateUserAsync("bad");
        var post = await PostAsync(user, "target of " + why);
        await using var live = await UserClient.ConnectAsync(fixture.Server, user);
        await live.SubscribeAsync(Channels.Feed);
        using var http = fixture.Api.CreateClient(user);

        foreach (var path in new[] { "/api/posts", $"/api/posts/{post.Id}/comments" })
        {
            var response = await http.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            response.StatusCode.Should().Be(status, why);
            (await NetraApi.ReadCodeAsync(response)).Should().Be(code, why);
        }

        (await live.Posts.StaysQuietAsync()).Should().BeTrue();
        (await live.Comments.StaysQuietAsync()).Should().BeTrue();
    }

    [Fact]
    public async Task ACommentOnAMissingPostIsNotFoundAndTheFeedNeedsASignedInUser()
    {
        var user = await fixture.Api.CreateUserAsync("lost");
        using var http = fixture.Api.CreateClient(user);
        var missing = await http.PostAsJsonAsync("/api/posts/999999999/comments", new CreateCommentRequest("hello?"));
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await NetraApi.ReadCodeAsync(missing)).Should().Be(ErrorCodes.NotFound);
        (await http.GetAsync("/api/posts/999999999")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await NetraApi.ReadCodeAsync(await http.GetAsync("/api/posts?limit=0"))).Should().Be(ErrorCodes.ValidationFailed);

        using var anonymous = fixture.Api.CreateClient(null);
        (await anonymous.PostAsJsonAsync("/api/posts", new CreatePostRequest("hi"))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("/api/posts")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    private async Task<Post> PostAsync(TestUser user, string content)
    {
        using var http = fixture.Api.CreateClient(user);
        var response = await http.PostAsJsonAsync("/api/posts", new CreatePostRequest(content));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Post>(NetraApi.Json))!;
    }

    private async Task<Comment> CommentAsync(TestUser user, long postId, string content)
    {
        using var http = fixture.Api.CreateClient(user);
        var response = await http.PostAsJsonAsync($"/api/posts/{postId}/comments", new CreateCommentRequest(content));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Comment>(NetraApi.Json))!;
    }
}
