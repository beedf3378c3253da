namespace Netra.Contracts.Realtime;

/// <summary>Values of <see cref="PresenceChangedEvent.Status"/>; a client sets <see cref="Online"/> or <see cref="Away"/>.</summary>
public static class PresenceStatus
{
    public const string Online = "online";
    public const string Away = "away";
    public const string Offline = "offline";
}
