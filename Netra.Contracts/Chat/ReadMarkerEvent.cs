namespace Netra.Contracts.Chat;

/// <summary>A member has read a chat up to <paramref name="Seq"/>; sent to that user's connections so every tab clears its badge.</summary>
public sealed record ReadMarkerEvent(long ChatId, long UserId, long Seq);
