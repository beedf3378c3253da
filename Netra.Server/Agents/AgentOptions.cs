using System.ComponentModel.DataAnnotations;

namespace Netra.Server.Agents;

/// <summary>Agent runs (<c>Netra__Agents__*</c>).</summary>
internal sealed class AgentOptions
{
    public const string SectionName = "Netra:Agents";

    /// <summary>Runs one user may have going at once on a node; one more is refused with RATE_LIMITED.</summary>
    [Range(1, 100)]
    public int MaxConcurrentRunsPerUser { get; set; } = 3;

    [Range(1, 100_000)]
    public int MaxPromptLength { get; set; } = 2000;

    /// <summary>A run still going after this long is stopped and reports CANCELLED.</summary>
    [Range(1, 86_400)]
    public int MaxRunSeconds { get; set; } = 300;

    /// <summary>The agent a request without <c>agent</c> gets (an <see cref="IAgent.Name"/>).</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9_-]{0,31}$")]
    public string DefaultAgent { get; set; } = DemoAgent.AgentName;

    /// <summary>The demo agent's pause before each thinking or tool step, so that a person can watch it work.</summary>
    [Range(0, 60_000)]
    public int DemoStepDelayMs { get; set; } = 500;

    /// <summary>The demo agent's pause before each streamed word of its answer.</summary>
    [Range(0, 10_000)]
    public int DemoTokenDelayMs { get; set; } = 60;

    /// <summary>How many of the chat's latest messages the demo agent's chat_history tool reads.</summary>
    [Range(1, 200)]
    public int DemoHistoryMessages { get; set; } = 10;
}
