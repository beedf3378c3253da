using System.ComponentModel.DataAnnotations;

namespace Netra.Server.Chat;

internal sealed class ChatOptions
{
    public const string SectionName = "Netra:Chat";

    /// <summary>Longest message content, in UTF-16 characters.</summary>
    [Range(1, 100_000)]
    public int MaxContentLength { get; set; } = 4000;

    [Range(1, 200)]
    public int MaxTitleLength { get; set; } = 100;

    /// <summary>Members a chat may be created with (the creator included).</summary>
    [Range(2, 10_000)]
    public int MaxMembers { get; set; } = 100;

    /// <summary>Most messages one history page returns.</summary>
    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 200;

    /// <summary>Most missed messages a subscribe replays; beyond that it answers recovered: false.</summary>
    [Range(1, 10_000)]
    public int MaxReplay { get; set; } = 1000;

    /// <summary>How long after sending its author may edit a message.</summary>
    [Range(1, 24 * 366)]
    public int EditWindowHours { get; set; } = 24;

    /// <summary>Most messages stored in one commit (group commit: what queued up while the last batch was written).</summary>
    [Range(1, 1000)]
    public int WriteBatchSize { get; set; } = 200;

    /// <summary>Batches written at once on a node; a chat always uses the same one, so its messages keep their order.</summary>
    [Range(1, 64)]
    public int WritePartitions { get; set; } = 4;

    /// <summary>A typing state not refreshed for this long ends by itself (receivers get Typing with isTyping false).</summary>
    [Range(1, 60)]
    public int TypingTimeoutSeconds { get; set; } = 5;
}
