using System.ComponentModel.DataAnnotations;

namespace Netra.Server.Backplane;

/// <summary>The Redis backplane (<c>Netra__Backplane__*</c>); used only when <c>ConnectionStrings__Redis</c> is set.</summary>
internal sealed class BackplaneOptions
{
    public const string SectionName = "Netra:Backplane";

    /// <summary>Starts every Redis channel name, so that several apps (or environments) can share one Redis.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_.:-]{1,64}$", ErrorMessage = "ChannelPrefix must be 1 to 64 letters, digits, '_', '.', ':' or '-'.")]
    public string ChannelPrefix { get; set; } = "netra";

    /// <summary>How long AddToGroup / RemoveFromGroup for a connection on another node waits for that node's acknowledgement.</summary>
    [Range(1, 300)]
    public int AckTimeoutSeconds { get; set; } = 5;

    /// <summary>
    /// Talk to Redis over one connection, pub/sub included (RESP3 lets them share it), that StackExchange.Redis reads and
    /// writes with two threads of its own rather than with the thread pool (docs/scale-out.md). False: its defaults (the
    /// pool, and a second connection for pub/sub).
    /// </summary>
    public bool DedicatedConnection { get; set; } = true;

    /// <summary>
    /// Once a send is handed to Redis's writer, the node's thread gives up the core once (<c>sched_yield</c>) before it writes
    /// the send to this node's own connections, so that on a core other busy processes share (nodes, Redis) the publish
    /// leaves now rather than once this thread has written to all of them (docs/scale-out.md). On a core of its own the
    /// yield returns at once. False: the thread goes straight on to its own connections.
    /// </summary>
    public bool YieldAfterPublish { get; set; } = true;
}
