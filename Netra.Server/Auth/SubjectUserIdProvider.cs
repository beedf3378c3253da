using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Auth;

/// <summary>SignalR user addressing (<c>Clients.User(id)</c>) keyed by the token's <c>sub</c>, the user id.</summary>
internal sealed class SubjectUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.User.FindFirst(NetraClaims.Subject)?.Value;
}
