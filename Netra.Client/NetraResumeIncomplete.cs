namespace Netra.Client;

/// <summary>
/// Raised when the server could not replay everything a channel missed (it answered
/// <c>recovered: false</c>): the application should reload that channel's history
/// (for a chat, <c>GET /api/chats/{id}/messages?afterSeq=LastDeliveredSeq</c>).
/// </summary>
/// <param name="Channel">The channel, e.g. <c>chat:7</c>.</param>
/// <param name="LastDeliveredSeq">The highest seq the client had delivered before the gap, or null if none.</param>
/// <param name="ServerLastSeq">The channel's head on the server; live delivery continues after it.</param>
public sealed record NetraResumeIncomplete(string Channel, long? LastDeliveredSeq, long ServerLastSeq);
