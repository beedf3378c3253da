using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Netra.Contracts.Notifications;
using Netra.Contracts.Realtime;
using Netra.Server.Errors;
using Netra.Server.Events;
using Netra.Server.Realtime;

namespace Netra.Server.Notifications;

/// <summary>
/// Personal notifications: stored first (read/unread), then pushed as <c>Notification</c> to every connection of
/// the user on every node (<c>Clients.User</c>; the backplane carries user sends). A user who is offline reads
/// them later with <c>GET /api/notifications</c>.
/// </summary>
internal sealed class NotificationService(
    NotificationStore store,
    IHubContext<NetraHub, INetraClient> hub,
    ILogger<NotificationService> logger)
{
    public const int MaxPageSize = 200;

    public static JsonElement Data(object value) => JsonSerializer.SerializeToElement(value, ChannelEventService.WireJson);

    /// <summary>Stores a notification for <paramref name="userId"/> and pushes it.</summary>
    public async Task<NotificationEvent> NotifyAsync(long userId, string type, object data, CancellationToken cancellationToken)
    {
        var stored = await store.InsertAsync(userId, type, Data(data), cancellationToken);
        await PushAsync(userId, stored);
        return stored;
    }

    /// <summary>Pushes a stored notification to every connection of the user. A failed push is logged: the notification is stored and listed.</summary>
    public async Task PushAsync(long userId, NotificationEvent notification)
    {
        try
        {
            await hub.Clients.User(userId.ToString(System.Globalization.CultureInfo.InvariantCulture)).Notification(notification);
            NotificationsLog.Pushed(logger, notification.Id, notification.Type, userId);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            NotificationsLog.PushFailed(logger, notification.Id, userId, exception);
        }
    }

    public Task<IReadOnlyList<NotificationEvent>> ListAsync(long userId, bool unreadOnly, long? beforeId, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            throw ProblemException.Validation($"limit must be between 1 and {MaxPageSize}.");
        }

        if (beforeId is < 1)
        {
            throw ProblemException.Validation("beforeId must be 1 or more.");
        }

        return store.ListAsync(userId, unreadOnly, beforeId ?? long.MaxValue, limit ?? 50, cancellationToken);
    }

    /// <summary>
    /// Marks one of the caller's own notifications read. Another user's notification, or one that does not exist,
    /// is <c>NOT_FOUND</c> alike, so ids cannot be probed.
    /// </summary>
    public async Task<NotificationEvent> MarkReadAsync(long userId, long id, CancellationToken cancellationToken) =>
        await store.MarkReadAsync(userId, id, cancellationToken)
        ?? throw ProblemException.NotFound($"You have no notification {id}.");

    public Task<int> MarkAllReadAsync(long userId, CancellationToken cancellationToken) => store.MarkAllReadAsync(userId, cancellationToken);
}
