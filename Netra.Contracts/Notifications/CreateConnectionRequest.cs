namespace Netra.Contracts.Notifications;

/// <summary>Body of <c>POST /api/connections/requests</c>.</summary>
public sealed record CreateConnectionRequest(long ToUserId);
