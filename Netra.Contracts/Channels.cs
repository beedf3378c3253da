using System.Globalization;

namespace Netra.Contracts;

/// <summary>
/// The one place channel names are built and parsed. A channel is a SignalR group;
/// its name is also the key of its sequence and history.
/// </summary>
public static class Channels
{
    public const int MaxNameLength = 200;

    public const string Feed = "feed";
    public const string Presence = "presence";
    public const string Issues = "issues";
    public const string Alerts = "alerts";

    private const string ChatPrefix = "chat:";
    private const string IssuePrefix = "issue:";

    public static string Chat(long chatId) => ChatPrefix + chatId.ToString(CultureInfo.InvariantCulture);

    public static string Issue(string issueId) => IssuePrefix + issueId;

    /// <summary>Parses a name built by this class; throws for anything else.</summary>
    public static ChannelName Parse(string name) =>
        TryParse(name, out var channel) ? channel : throw new ArgumentException($"'{name}' is not a built-in channel name.", nameof(name));

    /// <summary>Parses a channel name a client sent; false for anything Netra does not know.</summary>
    public static bool TryParse(string? name, out ChannelName channel)
    {
        channel = default;
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            return false;
        }

        switch (name)
        {
            case Feed:
                channel = new ChannelName(name, ChannelKind.Feed, null);
                return true;
            case Presence:
                channel = new ChannelName(name, ChannelKind.Presence, null);
                return true;
            case Issues:
                channel = new ChannelName(name, ChannelKind.Issues, null);
                return true;
            case Alerts:
                channel = new ChannelName(name, ChannelKind.Alerts, null);
                return true;
        }

        if (name.StartsWith(ChatPrefix, StringComparison.Ordinal))
        {
            var id = name.AsSpan(ChatPrefix.Length);
            // Canonical form only ("chat:7", not "chat:007" or "chat:+7"), so one chat has one group.
            if (long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var chatId) && chatId > 0
                && Chat(chatId) == name)
            {
                channel = new ChannelName(name, ChannelKind.Chat, chatId.ToString(CultureInfo.InvariantCulture));
                return true;
            }

            return false;
        }

        if (name.StartsWith(IssuePrefix, StringComparison.Ordinal))
        {
            var id = name[IssuePrefix.Length..];
            if (id.Length is > 0 and <= 64 && id.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                channel = new ChannelName(name, ChannelKind.Issue, id);
                return true;
            }
        }

        return false;
    }
}
