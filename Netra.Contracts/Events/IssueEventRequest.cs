using System.Text.Json;

namespace Netra.Contracts.Events;

/// <summary><c>POST /api/issues/{id}/events</c>: an issue tracker reports a change (<c>status_changed</c>, <c>commented</c>, ...).</summary>
public sealed record IssueEventRequest(string? UpdateType, JsonElement? Data);
