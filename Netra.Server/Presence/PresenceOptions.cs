using System.ComponentModel.DataAnnotations;

namespace Netra.Server.Presence;

/// <summary>Presence across nodes (<c>Netra__Presence__*</c>); used when scaled out.</summary>
internal sealed class PresenceOptions
{
    public const string SectionName = "Netra:Presence";

    /// <summary>How often each node renews its heartbeat in Redis and looks for dead nodes.</summary>
    [Range(1, 60)]
    public int HeartbeatSeconds { get; set; } = 5;

    /// <summary>
    /// How long a node's heartbeat lives without renewal. A node that dies without closing its connections has
    /// its users go offline within this plus one heartbeat (20 s by default).
    /// </summary>
    [Range(2, 300)]
    public int NodeTimeoutSeconds { get; set; } = 15;

    /// <summary>
    /// A node stopped gracefully (SIGTERM: a rolling deploy) leaves its connections in presence this long, so that users who
    /// reconnect through another node meanwhile are not announced offline and back online; the others go offline after this
    /// plus at most one heartbeat, through the other nodes' sweep. 0: offline at once, as their connections close.
    /// </summary>
    [Range(0, 300)]
    public int StopGraceSeconds { get; set; } = 5;
}
