using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Server.Chat;
using Netra.Server.Errors;
using Netra.Server.Events;

namespace Netra.Server.Realtime;

/// <summary>
/// The one place that decides who may follow and publish to which channel (DESIGN.md): <c>chat:{id}</c> for
/// its members; <c>feed</c>, <c>presence</c>, <c>issues</c>, <c>issue:{id}</c>, <c>alerts</c> and the
/// application channels of <c>Netra:Events:PublishChannels</c> for every signed-in user; anything else is
/// refused. Backend services publish to application channels only: built-in channels have their own APIs.
/// Every refusal is <c>FORBIDDEN</c> and is logged.
/// </summary>
internal sealed class ChannelAccess(ChatService chats, IOptions<EventsOptions> options, ILogger<ChannelAccess> logger)
{
    /// <summary>For Subscribe and history: the parsed channel, once <paramref name="userId"/> may read it.</summary>
    public async Task<ChannelName> AuthorizeReadAsync(long userId, string? channel, CancellationToken cancellationToken)
    {
        var name = Parse(channel, userId, null);
        if (name.Kind == ChannelKind.Chat)
        {
            try
            {
                await chats.RequireMemberAsync(name.ChatId, userId, cancellationToken);
            }
            catch (ProblemException exception) when (exception.Code == ErrorCodes.Forbidden)
            {
                RealtimeLog.MemberRefused(logger, name.Name, userId);
                throw;
            }
        }

        return name;
    }

    /// <summary>For <c>POST /api/publish</c>: the application channel a service may publish to.</summary>
    public ChannelName AuthorizePublish(string? channel, string caller)
    {
        var name = Parse(channel, null, caller);
        if (name.Kind != ChannelKind.Custom)
        {
            RealtimeLog.ChannelRefused(logger, name.Name, caller, "built-in channel");
            throw ProblemException.Forbidden(
                $"'{name.Name}' is a built-in channel; publish to it through its own API (/api/issues/{{id}}/events, /api/alerts, /api/posts). " +
                $"/api/publish takes the channels of Netra:Events:PublishChannels: {string.Join(", ", options.Value.PublishChannels)}.");
        }

        return name;
    }

    /// <summary>
    /// A channel name as Netra knows it, without deciding who may read it (leaving a channel needs no
    /// permission). Unknown names are refused like in <see cref="AuthorizeReadAsync"/>.
    /// </summary>
    public ChannelName ParseName(long userId, string? channel) => Parse(channel, userId, null);

    /// <summary>Parses and validates a name; the caller (a user id or a service) is named only in the log of a refusal.</summary>
    private ChannelName Parse(string? channel, long? userId, string? service)
    {
        if (string.IsNullOrEmpty(channel) || channel.Length > Channels.MaxNameLength)
        {
            throw ProblemException.Validation($"channel must be 1 to {Channels.MaxNameLength} characters.");
        }

        if (Channels.TryParse(channel, out var name))
        {
            return name;
        }

        if (PublishChannelPattern.MatchesAny(options.Value.PublishChannels, channel))
        {
            return new ChannelName(channel, ChannelKind.Custom, null);
        }

        var caller = service ?? $"user {userId}"; // built only on this refusal path
        RealtimeLog.ChannelRefused(logger, channel, caller, "unknown channel");
        throw ProblemException.Forbidden(
            $"Unknown channel '{channel}'. Channels are chat:{{id}}, feed, presence, issues, issue:{{id}}, alerts and {string.Join(", ", options.Value.PublishChannels)}.");
    }
}
