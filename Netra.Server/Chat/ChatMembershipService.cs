using System.Globalization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Contracts.Chat;
using Netra.Contracts.Notifications;
using Netra.Contracts.Realtime;
using Netra.Server.Auth;
using Netra.Server.Backplane;
using Netra.Server.Errors;
using Netra.Server.Notifications;
using Netra.Server.Presence;
using Netra.Server.Realtime;
using StackExchange.Redis;

namespace Netra.Server.Chat;

/// <summary>
/// Chat membership changes: the chat's creator adds and removes members; any member may remove themselves.
/// A removed user is taken out of the chat's group on every one of their connections on every node before the
/// call returns, so they get no more of its messages or typing; SendMessage, SetTyping and Subscribe refuse them.
/// </summary>
/// <remarks>
/// The membership row goes first, then the group: a Subscribe racing with the removal re-checks membership after
/// joining the group (<see cref="SubscriptionService"/>) and leaves it again when refused, so it cannot slip back in.
/// The user's connections are found in presence, which knows every open connection on every node.
/// </remarks>
internal sealed class ChatMembershipService(
    ChatMembersStore store,
    ChatService chats,
    UserStore users,
    IPresenceStore presence,
    NotificationService notifications,
    IHubContext<NetraHub, INetraClient> hub,
    HubLifetimeManager<NetraHub> connections,
    IOptions<ChatOptions> options,
    ILogger<ChatMembershipService> logger)
{
    public async Task<ChatSummary> AddAsync(long callerId, long chatId, AddChatMemberRequest? request, CancellationToken cancellationToken)
    {
        var userId = request?.UserId ?? 0;
        if (userId <= 0)
        {
            throw ProblemException.Validation("userId must be a positive user id.");
        }

        var chat = await RequireCreatorAsync(callerId, chatId, "add members", cancellationToken);
        if ((await users.FindMissingAsync([userId], cancellationToken)).Count > 0)
        {
            throw ProblemException.NotFound($"There is no user {userId}.");
        }

        switch (await store.AddAsync(chatId, userId, options.Value.MaxMembers, cancellationToken))
        {
            case MemberAdd.ChatFull:
                throw ProblemException.Validation($"A chat may have at most {options.Value.MaxMembers} members.");
            case MemberAdd.AlreadyMember:
                throw new ProblemException(ErrorCodes.Conflict, $"User {userId} is already a member of chat {chatId}.");
        }

        ChatLog.MemberAdded(logger, chatId, userId, callerId);
        await notifications.NotifyAsync(userId, NotificationTypes.AddedToChat, new { chatId, title = chat.Title, byUserId = callerId, byUserName = await DisplayNameOfAsync(callerId, cancellationToken) }, cancellationToken);
        return (await chats.ListAsync(userId, cancellationToken)).Single(summary => summary.Id == chatId);
    }

    public async Task RemoveAsync(long callerId, long chatId, long userId, CancellationToken cancellationToken)
    {
        if (userId <= 0)
        {
            throw ProblemException.Validation("userId must be a positive user id.");
        }

        var chat = userId == callerId
            ? await RequireMemberAsync(callerId, chatId, cancellationToken)
            : await RequireCreatorAsync(callerId, chatId, "remove other members", cancellationToken);
        // The user's connections leave the chat's group before the removal commits: if that cannot be done (Redis out of
        // reach), nothing is removed and the call can be made again, rather than a removed member still getting the chat.
        var gone = new HashSet<string>(StringComparer.Ordinal);
        if (!await store.RemoveAsync(chatId, userId, async () => gone = await LeaveBeforeRemovalAsync(userId, chatId, cancellationToken), cancellationToken))
        {
            throw ProblemException.NotFound($"User {userId} is not a member of chat {chatId}.");
        }

        // A Subscribe of the user's that read the membership before the commit can have joined the group again since (its
        // own check after joining still saw the row): so the connections leave once more, now that every later check is
        // refused; those no node acknowledged the first time are gone and not waited for again.
        try
        {
            await LeaveGroupEverywhereAsync(userId, chatId, gone, CancellationToken.None);
        }
        catch (RedisException exception)
        {
            ChatLog.GroupLeaveAfterRemovalFailed(logger, userId, chatId, exception);
        }

        ChatLog.MemberRemoved(logger, chatId, userId, callerId);
        if (userId != callerId)
        {
            await notifications.NotifyAsync(userId, NotificationTypes.RemovedFromChat, new { chatId, title = chat.Title, byUserId = callerId, byUserName = await DisplayNameOfAsync(callerId, cancellationToken) }, cancellationToken);
        }
    }

    /// <summary>What notifications call a user (their display name), as everywhere else in Netra.</summary>
    private async Task<string> DisplayNameOfAsync(long userId, CancellationToken cancellationToken) =>
        (await users.GetPresenceInfoAsync([userId], cancellationToken)).SingleOrDefault()?.DisplayName ?? "";

    /// <summary>The leave the removal's commit waits for: when Redis cannot be reached, nothing is removed.</summary>
    private async Task<HashSet<string>> LeaveBeforeRemovalAsync(long userId, long chatId, CancellationToken cancellationToken)
    {
        try
        {
            return await LeaveGroupEverywhereAsync(userId, chatId, new HashSet<string>(), cancellationToken);
        }
        catch (RedisException exception)
        {
            ChatLog.GroupLeaveImpossible(logger, userId, chatId, exception);
            throw new ProblemException(
                ErrorCodes.Internal,
                $"Redis cannot be reached, so user {userId}'s connections could not be taken out of chat {chatId} on every node; nothing was changed. Try again once it is back.")
            {
                RetryAfterSeconds = 5,
            };
        }
    }

    /// <summary>
    /// Takes every connection of the user, on any node, out of the chat's group (but those in <paramref name="unreachable"/>, found gone before);
    /// waits for each node's acknowledgement. Returns the connections no node acknowledged: gone.
    /// </summary>
    private async Task<HashSet<string>> LeaveGroupEverywhereAsync(long userId, long chatId, IReadOnlySet<string> unreachable, CancellationToken cancellationToken)
    {
        var group = Channels.Chat(chatId);
        // This node's own connections of the user too: right after Redis came back, presence there may not list them
        // yet (each node writes its connections again within a heartbeat).
        var local = connections is NetraHubLifetimeManager<NetraHub> netra
            ? netra.LocalConnectionsOf(userId.ToString(CultureInfo.InvariantCulture))
            : [];
        var targets = (await presence.GetConnectionsAsync(userId, cancellationToken)).Union(local, StringComparer.Ordinal).Except(unreachable).ToList();
        var gone = new HashSet<string>(StringComparer.Ordinal);
        await Task.WhenAll(targets.Select(async connectionId =>
        {
            try
            {
                await hub.Groups.RemoveFromGroupAsync(connectionId, group, CancellationToken.None);
            }
            catch (TimeoutException exception)
            {
                // No node acknowledged: the connection is gone (its node died and presence has not swept it yet),
                // so it is in no group; the membership check refuses it anyway if it comes back.
                ChatLog.GroupLeaveUnacknowledged(logger, connectionId, chatId, userId, exception);
                lock (gone)
                {
                    gone.Add(connectionId);
                }
            }
        }));
        ChatLog.GroupLeft(logger, userId, chatId, targets.Count);
        return gone;
    }

    private async Task<(long CreatedBy, string Title)> RequireCreatorAsync(long callerId, long chatId, string what, CancellationToken cancellationToken)
    {
        var chat = await RequireMemberAsync(callerId, chatId, cancellationToken);
        return chat.CreatedBy == callerId
            ? chat
            : throw ProblemException.Forbidden($"Only the creator of chat {chatId} (user {chat.CreatedBy.ToString(CultureInfo.InvariantCulture)}) may {what}.");
    }

    private async Task<(long CreatedBy, string Title)> RequireMemberAsync(long callerId, long chatId, CancellationToken cancellationToken)
    {
        // A chat that does not exist gets the same answer as one the caller is not in (no probing of chat ids).
        await chats.RequireMemberAsync(chatId, callerId, cancellationToken);
        return await store.GetChatAsync(chatId, cancellationToken) ?? throw ProblemException.Forbidden($"You are not a member of chat {chatId}.");
    }
}
