using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Netra.Contracts.Chat;
using Netra.Server.Auth;
using Netra.Server.Configuration;
using Netra.Server.Protection;
using Netra.Server.Storage;

namespace Netra.Server.Chat;

internal static class ChatExtensions
{
    public static WebApplicationBuilder AddNetraChat(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ChatOptions>(ChatOptions.SectionName);
        builder.Services.AddOptions<StorageOptions>()
            .PostConfigure<IOptions<ChatOptions>>((storage, chat) => storage.WriterLoops += chat.Value.WritePartitions); // MessageAppender's partitions
        builder.Services.AddSingleton<ChatStore>();
        builder.Services.AddSingleton<ChatService>();
        builder.Services.AddSingleton<MessageAppender>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MessageAppender>());
        builder.Services.AddSingleton<MessageChangeStore>();
        builder.Services.AddSingleton<MessageChangeService>();
        builder.Services.AddSingleton<TypingTracker>();
        builder.Services.AddSingleton<ChatMembersStore>();
        builder.Services.AddSingleton<ChatMembershipService>();
        return builder;
    }

    public static RouteGroupBuilder MapChats(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/chats").WithTags("Chat").RequireAuthorization().LimitUserCalls();

        group.MapPost("/", async Task<Created<ChatSummary>> (CreateChatRequest request, ClaimsPrincipal user, ChatService chats, CancellationToken cancellationToken) =>
        {
            var chat = await chats.CreateAsync(user.GetUserId(), request, cancellationToken);
            return TypedResults.Created($"/api/chats/{chat.Id}", chat);
        });

        group.MapGet("/", async Task<Ok<IReadOnlyList<ChatSummary>>> (ClaimsPrincipal user, ChatService chats, CancellationToken cancellationToken) =>
            TypedResults.Ok(await chats.ListAsync(user.GetUserId(), cancellationToken)));

        group.MapGet("/{chatId:long}/messages", async Task<Ok<IReadOnlyList<ChatMessage>>> (
            long chatId,
            [FromQuery] long? afterSeq,
            [FromQuery] long? beforeSeq,
            [FromQuery] int? limit,
            ClaimsPrincipal user,
            ChatService chats,
            CancellationToken cancellationToken) =>
            TypedResults.Ok(await chats.GetHistoryAsync(user.GetUserId(), chatId, afterSeq, beforeSeq, limit, cancellationToken)));

        // Membership: the creator adds and removes; a member may remove themselves.
        group.MapPost("/{chatId:long}/members", async Task<Ok<ChatSummary>> (
            long chatId, AddChatMemberRequest? request, ClaimsPrincipal user, ChatMembershipService members, CancellationToken cancellationToken) =>
            TypedResults.Ok(await members.AddAsync(user.GetUserId(), chatId, request, cancellationToken)));

        group.MapDelete("/{chatId:long}/members/{userId:long}", async Task<NoContent> (
            long chatId, long userId, ClaimsPrincipal user, ChatMembershipService members, CancellationToken cancellationToken) =>
        {
            await members.RemoveAsync(user.GetUserId(), chatId, userId, cancellationToken);
            return TypedResults.NoContent();
        });

        return group;
    }
}
