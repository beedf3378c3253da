namespace Netra.Contracts.Chat;

/// <summary><c>EditMessage</c>: the author replaces a message's content.</summary>
public sealed record EditMessageRequest(long ChatId, long MessageId, string? Content);
