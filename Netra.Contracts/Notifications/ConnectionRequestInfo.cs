namespace Netra.Contracts.Notifications;

/// <summary>A connection request as the connections API returns it; <see cref="Status"/> is <c>pending</c> or <c>accepted</c>.</summary>
public sealed record ConnectionRequestInfo(
    long Id,
    long FromUserId,
    string FromUserName,
    long ToUserId,
    string ToUserName,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? AcceptedAt);
