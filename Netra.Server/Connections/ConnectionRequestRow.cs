using Netra.Contracts.Notifications;

namespace Netra.Server.Connections;

/// <summary>A row of <c>connection_requests</c> with both users' display names.</summary>
internal sealed class ConnectionRequestRow
{
    public long Id { get; init; }

    public long FromUserId { get; init; }

    public string FromUserName { get; init; } = "";

    public long ToUserId { get; init; }

    public string ToUserName { get; init; } = "";

    public string Status { get; init; } = "";

    public DateTime CreatedAt { get; init; }

    public DateTime? AcceptedAt { get; init; }

    public ConnectionRequestInfo ToInfo() => new(
        Id, FromUserId, FromUserName, ToUserId, ToUserName, Status, Utc(CreatedAt), AcceptedAt is { } accepted ? Utc(accepted) : null);

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
