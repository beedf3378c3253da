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
}
