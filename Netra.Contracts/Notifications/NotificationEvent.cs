using System.Text.Json;

namespace Netra.Contracts.Notifications;

public sealed record NotificationEvent(long Id, string Type, JsonElement Data, bool IsRead, DateTimeOffset Timestamp);
