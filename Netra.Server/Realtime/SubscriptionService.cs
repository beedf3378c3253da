using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Netra.Contracts;
using Netra.Contracts.Realtime;
using Netra.Server.Chat;
using Netra.Server.Errors;

namespace Netra.Server.Realtime;

/// <summary>
/// Authorizes a channel for a user, joins the connection to the channel's group and returns what
/// the caller missed. The group is joined before history is read, so an event stored meanwhile is
/// delivered live or replayed (clients drop a seq they already have); none falls between the two.
/// </summary>
internal sealed class SubscriptionService(ChatService chats, IHubContext<NetraHub, INetraClient> hub)
{
    private static readonly JsonSerializerOptions WireJson = new(JsonSerializerDefaults.Web);

    public async Task<SubscribeResult> SubscribeAsync(long userId, string connectionId, string? channel, long? sinceSeq, CancellationToken cancellationToken)
    {
        var name = Parse(channel);
        if (sinceSeq < 0)
        {
            throw ProblemException.Validation("sinceSeq must be null or 0 or more.");
        }

        switch (name.Kind)
        {
            case ChannelKind.Chat:
                await chats.RequireMemberAsync(name.ChatId, userId, cancellationToken);
                await hub.Groups.AddToGroupAsync(connectionId, name.Name, cancellationToken);
                var (lastSeq, recovered, missed) = await chats.GetMissedAsync(userId, name.ChatId, sinceSeq, cancellationToken);
                return new SubscribeResult(name.Name, lastSeq, recovered, missed.Select(m => JsonSerializer.SerializeToElement(m, WireJson)).ToList());

            default:
                // feed, presence, issues, issue:{id}, alerts: open to every signed-in user. They keep no
                // history yet, so there is nothing to replay and the head is 0.
                await hub.Groups.AddToGroupAsync(connectionId, name.Name, cancellationToken);
                return new SubscribeResult(name.Name, 0, true, []);
        }
    }

    public async Task UnsubscribeAsync(string connectionId, string? channel, CancellationToken cancellationToken)
    {
        var name = Parse(channel);
        await hub.Groups.RemoveFromGroupAsync(connectionId, name.Name, cancellationToken);
    }

    private static ChannelName Parse(string? channel)
    {
        if (string.IsNullOrEmpty(channel) || channel.Length > Channels.MaxNameLength)
        {
            throw ProblemException.Validation($"channel must be 1 to {Channels.MaxNameLength} characters.");
        }

        return Channels.TryParse(channel, out var name)
            ? name
            : throw ProblemException.Forbidden($"Unknown channel '{channel}'. Channels are chat:{{id}}, feed, presence, issues, issue:{{id}} and alerts.");
    }
}
