using System.Text.RegularExpressions;
using Netra.Contracts;

namespace Netra.Server.Events;

/// <summary>
/// Entries of <c>Netra:Events:PublishChannels</c>: an exact channel name (<c>news</c>) or a prefix ending in
/// <c>:*</c> (<c>app:*</c>). A channel matched by a prefix must add at least one character after it, made of
/// letters, digits, '-', '_', '.' or ':'. Built-in names and prefixes (chat, feed, presence, issues, issue,
/// alerts) are refused at start-up, as is a bare <c>*</c>.
/// </summary>
internal static partial class PublishChannelPattern
{
    private static readonly string[] BuiltIn = ["chat", "feed", "presence", "issues", "issue", "alerts"];

    /// <summary>Null when <paramref name="pattern"/> is usable, else why not.</summary>
    public static string? Problem(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return "an entry is empty";
        }

        var stem = pattern.EndsWith(":*", StringComparison.Ordinal) ? pattern[..^2] : pattern;
        if (!NamePattern().IsMatch(stem) || stem.Length > Channels.MaxNameLength - 1)
        {
            return $"'{pattern}' is not a channel name or a prefix ending in ':*' (letters, digits, '-', '_', '.', ':')";
        }

        var root = stem.Split(':')[0];
        return BuiltIn.Contains(root, StringComparer.Ordinal) ? $"'{pattern}' overlaps the built-in channel '{root}'" : null;
    }

    public static bool MatchesAny(IEnumerable<string> patterns, string channel)
    {
        if (!NamePattern().IsMatch(channel))
        {
            return false;
        }

        foreach (var pattern in patterns)
        {
            if (pattern.EndsWith(":*", StringComparison.Ordinal)
                ? channel.Length > pattern.Length - 1 && channel.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)
                : string.Equals(pattern, channel, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-][A-Za-z0-9_.:-]*\\z")]
    private static partial Regex NamePattern();
}
