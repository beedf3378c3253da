using System.Text.Json;

namespace Netra.Contracts.Events;

/// <summary><c>POST /api/publish</c>: a backend service pushes <paramref name="Payload"/> as a <c>ChannelEvent</c> of type <paramref name="Type"/>.</summary>
public sealed record PublishRequest(string? Channel, string? Type, JsonElement? Payload);
