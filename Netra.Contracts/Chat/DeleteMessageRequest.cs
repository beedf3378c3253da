namespace Netra.Contracts.Chat;

/// <summary><c>DeleteMessage</c>: the author, or the chat's creator, deletes a message.</summary>
public sealed record DeleteMessageRequest(long ChatId, long MessageId);
