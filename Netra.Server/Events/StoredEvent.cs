using System.Text.Json;

namespace Netra.Server.Events;

/// <summary>A durable channel event as stored: the client event it is sent as, and its payload (seq included).</summary>
internal sealed record StoredEvent(long Seq, string EventName, JsonElement Payload);
