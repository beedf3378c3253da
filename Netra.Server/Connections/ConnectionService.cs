using Microsoft.AspNetCore.SignalR;
using Netra.Contracts;
using Netra.Contracts.Notifications;
using Netra.Contracts.Realtime;
using Netra.Server.Auth;
using Netra.Server.Errors;
using Netra.Server.Notifications;
using Netra.Server.Realtime;

namespace Netra.Server.Connections;

/// <summary>
/// Connection requests between users: a request reaches its recipient as <c>ConnectionRequest</c> (and a
/// notification), accepting reaches the requester as <c>ConnectionAccepted</c> (and a notification), on every
/// connection of theirs on every node; declining deletes the request without telling the requester. One request per
/// pair of users, either way, while pending or accepted.
/// </summary>
internal sealed class ConnectionService(
    ConnectionStore store,
    UserStore users,
    NotificationService notifications,
    IHubContext<NetraHub, INetraClient> hub,
    ILogger<ConnectionService> logger)
{
    public async Task<ConnectionRequestInfo> RequestAsync(long fromUserId, CreateConnectionRequest? request, CancellationToken cancellationToken)
    {
        var toUserId = request?.ToUserId ?? 0;
        if (toUserId <= 0)
        {
            throw ProblemException.Validation("toUserId must be a positive user id.");
        }

        if (toUserId == fromUserId)
        {
            throw ProblemException.Validation("You cannot send a connection request to yourself.");
        }

        if ((await users.FindMissingAsync([toUserId], cancellationToken)).Count > 0)
        {
            throw ProblemException.NotFound($"There is no user {toUserId}.");
        }

        var created = await store.CreateAsync(fromUserId, toUserId, cancellationToken)
            ?? throw new ProblemException(ErrorCodes.Conflict, $"You and user {toUserId} already have a pending or accepted connection request.");
        var (row, notification) = created;
        ConnectionsLog.Requested(logger, row.Id, fromUserId, toUserId);
        await SendAsync(toUserId, row.Id, client => client.ConnectionRequest(new ConnectionRequestEvent(row.Id, fromUserId, row.FromUserName, notification.Timestamp)));
        await notifications.PushAsync(toUserId, notification);
        return row.ToInfo();
    }

    /// <summary>
    /// Accepts a pending request addressed to <paramref name="userId"/>. The requester accepting their own request is
    /// <c>FORBIDDEN</c>; a request the caller is not part of, or that does not exist, is <c>NOT_FOUND</c>; one
    /// already accepted is <c>CONFLICT</c>.
    /// </summary>
    public async Task<ConnectionRequestInfo> AcceptAsync(long userId, long requestId, CancellationToken cancellationToken)
    {
        var (found, accepted, notification) = await store.AcceptAsync(requestId, userId, cancellationToken);
        if (found is null || (found.ToUserId != userId && found.FromUserId != userId))
        {
            throw ProblemException.NotFound($"There is no connection request {requestId} addressed to you.");
        }

        if (found.ToUserId != userId)
        {
            throw ProblemException.Forbidden($"Only user {found.ToUserId}, who received connection request {requestId}, may accept it.");
        }

        if (accepted is null || notification is null)
        {
            throw new ProblemException(ErrorCodes.Conflict, $"Connection request {requestId} is already {found.Status}.");
        }

        ConnectionsLog.Accepted(logger, requestId, accepted.FromUserId, userId);
        await SendAsync(accepted.FromUserId, requestId, client => client.ConnectionAccepted(new ConnectionAcceptedEvent(requestId, userId, accepted.ToUserName, notification.Timestamp)));
        await notifications.PushAsync(accepted.FromUserId, notification);
        return accepted.ToInfo();
    }

    /// <summary>
    /// Declines a pending request addressed to <paramref name="userId"/>: it is deleted, and the requester is not told
    /// (their outgoing list no longer has it). The same refusals as <see cref="AcceptAsync"/>.
    /// </summary>
    public async Task DeclineAsync(long userId, long requestId, CancellationToken cancellationToken)
    {
        var (found, declined) = await store.DeclineAsync(requestId, userId, cancellationToken);
        if (found is null || (found.ToUserId != userId && found.FromUserId != userId))
        {
            throw ProblemException.NotFound($"There is no connection request {requestId} addressed to you.");
        }

        if (found.ToUserId != userId)
        {
            throw ProblemException.Forbidden($"Only user {found.ToUserId}, who received connection request {requestId}, may decline it.");
        }

        if (!declined)
        {
            throw new ProblemException(ErrorCodes.Conflict, $"Connection request {requestId} is already {found.Status}.");
        }

        ConnectionsLog.Declined(logger, requestId, found.FromUserId, userId);
    }

    /// <summary>Pending requests the caller received (<c>incoming</c>) or sent (<c>outgoing</c>).</summary>
    public async Task<IReadOnlyList<ConnectionRequestInfo>> ListPendingAsync(long userId, string? direction, CancellationToken cancellationToken)
    {
        bool? incoming = direction switch
        {
            null or "" => null,
            "incoming" => true,
            "outgoing" => false,
            _ => throw ProblemException.Validation("direction must be 'incoming' or 'outgoing'."),
        };
        return (await store.ListAsync(userId, ConnectionStore.Pending, incoming, cancellationToken)).Select(row => row.ToInfo()).ToList();
    }

    /// <summary>The caller's accepted connections, either way.</summary>
    public async Task<IReadOnlyList<ConnectionRequestInfo>> ListAcceptedAsync(long userId, CancellationToken cancellationToken) =>
        (await store.ListAsync(userId, ConnectionStore.Accepted, null, cancellationToken)).Select(row => row.ToInfo()).ToList();

    private async Task SendAsync(long userId, long requestId, Func<INetraClient, Task> send)
    {
        try
        {
            await send(hub.Clients.User(userId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Stored, and listed by GET /api/connections/requests; the notification is pushed next.
            ConnectionsLog.PushFailed(logger, requestId, userId, exception);
        }
    }
}
