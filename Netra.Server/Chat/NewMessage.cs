namespace Netra.Server.Chat;

/// <summary>A validated message on its way to storage.</summary>
internal sealed record NewMessage(long ChatId, long SenderId, string Content, string? Attachment, string ClientMessageId);
