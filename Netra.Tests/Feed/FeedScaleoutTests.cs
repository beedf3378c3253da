using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Netra.Contracts;
using Netra.Contracts.Feed;
using Netra.Contracts.Realtime;
using Netra.Tests.Backplane;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Feed;

/// <summary>The feed on two nodes: posts made through one node reach subscribers on the other, and a resume while posts keep coming delivers each seq once.</summary>
/// <remarks>Speaks the wire (HubTestClient) on purpose: it reads Subscribe's reply and counts every seq the server sends, which NetraClient would de-duplicate.</remarks>
public sealed class FeedScaleoutTests(TwoNodesFixture fixture) : IClassFixture<TwoNodesFixture>
{
    [Fact]
    public async Task ASubscriberThatResumesOnTheOtherNodeWhilePostsArriveGetsEverySeqExactlyOnce()
    {
        var author = await fixture.Api.CreateUserAsync("author");
        var reader = await fixture.Api.CreateUserAsync("reader");
        await using var first = await HubTestClient.ConnectAsync(fixture.Nodes[1], reader);
        var head = (await first.SubscribeAsync(Channels.Feed)).LastSeq;
        var firstPost = await PostAsync(author, "post 0");
        (await first.NextAsync<Post>(nameof(INetraClient.NewPost))).Should().Be(firstPost);

        // The reader's tab reconnects (another connection, node B) and resumes from the first post while posts keep coming through node A.
        await using var resumed = await HubTestClient.ConnectAsync(fixture.Nodes[1], reader);
        const int count = 10;
        var posting = Task.Run(async () =>
        {
            var posts = new List<Post>();
            for (var i = 1; i <= count; i++)
            {
                posts.Add(await PostAsync(author, $"post {i}"));
            }

            return posts;
        });
        var result = await resumed.SubscribeAsync(Channels.Feed, firstPost.Seq);
        var posts = await posting.WaitAsync(TestTimeouts.Network);
        var last = posts[^1].Seq;

        var seen = result.Missed.Select(e => e.GetProperty("seq").GetInt64()).Where(seq => seq <= last).ToList();
        while (!seen.Contains(last))
        {
            seen.Add((await resumed.NextAsync<Post>(nameof(INetraClient.NewPost))).Seq);
        }

        result.Recovered.Should().BeTrue();
        seen.Should().Equal(posts.Select(p => p.Seq), "each seq once, in order, replayed or live");
        (await resumed.StaysQuietAsync(nameof(INetraClient.NewPost))).Should().BeTrue();
        // Replayed posts (none when the subscribe came before the first one was stored) are the stored posts, field for field.
        foreach (var replayed in result.Missed.Where(e => e.GetProperty("seq").GetInt64() <= last))
        {
            posts.Should().Contain(replayed.Deserialize<Post>(NetraApi.Json)!);
        }

        head.Should().BeLessThan(firstPost.Seq);
    }

    private async Task<Post> PostAsync(TestUser user, string content)
    {
        using var http = fixture.Api.CreateClient(user);
        var response = await http.PostAsJsonAsync("/api/posts", new CreatePostRequest(content));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Post>(NetraApi.Json))!;
    }
}
