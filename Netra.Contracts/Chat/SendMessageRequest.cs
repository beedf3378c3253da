namespace Netra.Contracts.Chat;

/// <summary>
/// Argument of <c>SendMessage</c>. <see cref="ClientMessageId"/> is chosen by the client
/// (a UUID is a good choice) and makes retries safe: the same id twice returns the
/// message stored the first time.
/// </summary>
public sealed record SendMessageRequest(long ChatId, string? Content, string? Attachment, string? ClientMessageId);
