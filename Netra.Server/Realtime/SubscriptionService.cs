using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Contracts.Realtime;
using Netra.Server.Backplane;
using Netra.Server.Chat;
using Netra.Server.Errors;
using Netra.Server.Events;
using Netra.Server.Protection;

namespace Netra.Server.Realtime;

/// <summary>
/// Subscribe and Unsubscribe: authorizes the channel (<see cref="ChannelAccess"/>), joins the connection to the
/// channel's group and returns what the caller missed, each seq exactly once.
/// </summary>
/// <remarks>
/// The group is joined before history is read, so nothing published meanwhile falls between the two. While
/// the read runs, the connection's catch-up cursor (<see cref="ConnectionGroupsFeature"/>) holds back the
/// channel's live durable events and remembers the highest seq held; the replay is then extended up to it,
/// and later live copies at or below the replayed head are dropped. So a seq reaches the subscriber once,
/// in <c>missed</c> or live, never both and never neither. Live events after the head may arrive before
/// the Subscribe result does; all of them have seq &gt; <c>lastSeq</c>.
/// </remarks>
internal sealed class SubscriptionService(
    ChannelAccess access,
    ChatService chats,
    ChannelEventService events,
    IHubContext<NetraHub, INetraClient> hub,
    IOptions<LimitsOptions> limits)
{
    public async Task<SubscribeResult> SubscribeAsync(
        long userId, string connectionId, ConnectionGroupsFeature? cursor, string? channel, long? sinceSeq, CancellationToken cancellationToken)
    {
        if (sinceSeq < 0)
        {
            throw ProblemException.Validation("sinceSeq must be null or 0 or more.");
        }

        var name = await access.AuthorizeReadAsync(userId, channel, cancellationToken);
        // Each channel followed is a group on this node and, scaled out, a Redis subscription: a connection may not
        // follow without end (issue:{id} takes any id). Calls of one connection that run at once may pass this together.
        var max = limits.Value.MaxSubscriptionsPerConnection;
        if (cursor is not null && cursor.IsFullFor(name.Name, max))
        {
            throw new ProblemException(ErrorCodes.RateLimited, $"{max} subscriptions per connection at most; unsubscribe from one first.");
        }

        // A Subscribe that fails leaves the connection as it found it: following the channel only if it already did.
        var followed = cursor?.Follows(name.Name) ?? false;
        cursor?.BeginCatchUp(name.Name);
        try
        {
            await hub.Groups.AddToGroupAsync(connectionId, name.Name, cancellationToken);
            var (lastSeq, recovered, missed) = await GetMissedAsync(userId, name, sinceSeq, cancellationToken);
            var floor = cursor?.EndCatchUp(name.Name, lastSeq) ?? lastSeq;
            if (floor > lastSeq)
            {
                // Stored and broadcast while the read ran: held back live, so replayed here.
                if (recovered)
                {
                    missed = [.. missed, .. await GetRangeAsync(name, lastSeq, floor, cancellationToken)];
                }

                lastSeq = floor;
            }

            return new SubscribeResult(name.Name, lastSeq, recovered, missed);
        }
        catch (ProblemException exception) when (exception.Code == ErrorCodes.Forbidden)
        {
            // Refused after joining: the caller lost access meanwhile (removed from the chat), so it leaves the group again.
            cursor?.CancelCatchUp(name.Name);
            await hub.Groups.RemoveFromGroupAsync(connectionId, name.Name, CancellationToken.None);
            throw;
        }
        catch
        {
            // Reading history failed (PostgreSQL out of reach, say): the caller is told so and is not left receiving live
            // events of a channel it was not following, unordered and counting against its subscription limit.
            cursor?.CancelCatchUp(name.Name);
            if (!followed)
            {
                await hub.Groups.RemoveFromGroupAsync(connectionId, name.Name, CancellationToken.None);
            }

            throw;
        }
    }

    public async Task UnsubscribeAsync(long userId, string connectionId, string? channel, CancellationToken cancellationToken)
    {
        // Leaving needs no permission (a member removed from a chat may still unsubscribe), so no membership query.
        var name = access.ParseName(userId, channel);
        await hub.Groups.RemoveFromGroupAsync(connectionId, name.Name, cancellationToken);
    }

    private async Task<(long LastSeq, bool Recovered, IReadOnlyList<JsonElement> Missed)> GetMissedAsync(
        long userId, ChannelName name, long? sinceSeq, CancellationToken cancellationToken)
    {
        switch (name.Kind)
        {
            case ChannelKind.Chat:
                var (lastSeq, recovered, missed) = await chats.GetMissedAsync(userId, name.ChatId, sinceSeq, cancellationToken);
                return (lastSeq, recovered, ToJson(missed));
            case ChannelKind.Presence:
                return (0, true, []); // ephemeral: no seq, nothing to replay
            default:
                return await events.GetMissedAsync(name, sinceSeq, cancellationToken);
        }
    }

    private async Task<IReadOnlyList<JsonElement>> GetRangeAsync(ChannelName name, long afterSeq, long upToSeq, CancellationToken cancellationToken) =>
        name.Kind == ChannelKind.Chat
            ? ToJson(await chats.GetEventsAsync(name.ChatId, afterSeq, upToSeq + 1, (int)Math.Min(upToSeq - afterSeq, int.MaxValue), cancellationToken))
            : await events.GetRangeAsync(name, afterSeq, upToSeq, cancellationToken);

    /// <summary>Each event as its own type (a chat replays messages, edits and deletes) in the wire's JSON.</summary>
    private static List<JsonElement> ToJson(IEnumerable<ISequencedEvent> items) =>
        items.Select(item => JsonSerializer.SerializeToElement(item, item.GetType(), ChannelEventService.WireJson)).ToList();
}
