namespace Netra.Server.Chat;

/// <summary>What an edit or delete did: <see cref="Status"/>, and for a stored change its seq and the message as it now is.</summary>
internal sealed record MessageChange(MessageChangeStatus Status, long Seq, MessageRow? Message, DateTime At);

internal enum MessageChangeStatus
{
    Changed,
    Unchanged,
    NotFound,
    NotAllowed,
    AlreadyDeleted,
    TooOld,
}
