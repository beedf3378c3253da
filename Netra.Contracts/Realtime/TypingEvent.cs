namespace Netra.Contracts.Realtime;

public sealed record TypingEvent(long ChatId, long UserId, string UserName, bool IsTyping);
