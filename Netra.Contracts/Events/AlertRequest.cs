using System.Text.Json;

namespace Netra.Contracts.Events;

/// <summary><c>POST /api/alerts</c>: an alerting system reports a triggered alert.</summary>
public sealed record AlertRequest(string? AlertId, string? Severity, string? Message, JsonElement? Data);
