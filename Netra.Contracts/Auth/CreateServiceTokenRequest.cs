namespace Netra.Contracts.Auth;

/// <summary>Body of <c>POST /api/admin/service-tokens</c>: the backend's name and how many days the token lives (default 90).</summary>
public sealed record CreateServiceTokenRequest(string? Name, int? Days);
