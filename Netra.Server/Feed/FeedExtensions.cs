using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Netra.Contracts.Feed;
using Netra.Server.Auth;
using Netra.Server.Configuration;
using Netra.Server.Protection;

namespace Netra.Server.Feed;

internal static class FeedExtensions
{
    public static WebApplicationBuilder AddNetraFeed(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<FeedOptions>(FeedOptions.SectionName);
        builder.Services.AddSingleton<FeedStore>();
        builder.Services.AddSingleton<FeedService>();
        return builder;
    }

    /// <summary>Posts and comments for any signed-in user: create (pushed on <c>feed</c>), page, read.</summary>
    public static RouteGroupBuilder MapFeed(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/posts").WithTags("Feed").RequireAuthorization().LimitUserCalls();

        group.MapPost("/", async Task<Created<Post>> (CreatePostRequest? request, ClaimsPrincipal user, FeedService feed, CancellationToken cancellationToken) =>
        {
            var post = await feed.CreatePostAsync(user.GetUserId(), request, cancellationToken);
            return TypedResults.Created($"/api/posts/{post.Id}", post);
        });

        group.MapGet("/", async Task<Ok<IReadOnlyList<Post>>> ([FromQuery] long? beforeId, [FromQuery] int? limit, FeedService feed, CancellationToken cancellationToken) =>
            TypedResults.Ok(await feed.ListPostsAsync(beforeId, limit, cancellationToken)));

        group.MapGet("/{postId:long}", async Task<Ok<Post>> (long postId, FeedService feed, CancellationToken cancellationToken) =>
            TypedResults.Ok(await feed.GetPostAsync(postId, cancellationToken)));

        group.MapPost("/{postId:long}/comments", async Task<Created<Comment>> (
            long postId, CreateCommentRequest? request, ClaimsPrincipal user, FeedService feed, CancellationToken cancellationToken) =>
        {
            var comment = await feed.CreateCommentAsync(user.GetUserId(), postId, request, cancellationToken);
            return TypedResults.Created($"/api/posts/{postId}/comments/{comment.Id}", comment);
        });

        group.MapGet("/{postId:long}/comments", async Task<Ok<IReadOnlyList<Comment>>> (
            long postId, [FromQuery] long? afterId, [FromQuery] int? limit, FeedService feed, CancellationToken cancellationToken) =>
            TypedResults.Ok(await feed.ListCommentsAsync(postId, afterId, limit, cancellationToken)));

        return group;
    }
}
