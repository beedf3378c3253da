using System.ComponentModel.DataAnnotations;

namespace Netra.Server.Feed;

/// <summary>Posts and comments (<c>Netra__Feed__*</c>).</summary>
internal sealed class FeedOptions
{
    public const string SectionName = "Netra:Feed";

    /// <summary>Longest post or comment, in UTF-16 characters.</summary>
    [Range(1, 100_000)]
    public int MaxContentLength { get; set; } = 4000;

    /// <summary>Most posts or comments one page returns.</summary>
    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 100;
}
