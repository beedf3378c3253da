namespace Netra.Server.Auth;

internal static partial class AuthLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "No Netra:Auth:SigningKey configured; using the Development key kept in {Path}")]
    public static partial void UsingDevelopmentKey(ILogger logger, string path);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Registered user {UserId} ({UserName})")]
    public static partial void UserRegistered(ILogger logger, long userId, string userName);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Failed login for user name {UserName} from {RemoteIp}")]
    public static partial void LoginFailed(ILogger logger, string userName, string? remoteIp);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Rejected token for {Path} from {RemoteIp}: {Reason}")]
    public static partial void TokenRejected(ILogger logger, PathString path, System.Net.IPAddress? remoteIp, string reason);

    [LoggerMessage(EventId = 11600, Level = LogLevel.Warning, Message = "Issued a service token for '{Name}' (user {UserId}), valid until {ExpiresAt}")]
    public static partial void ServiceTokenIssued(ILogger logger, string name, long userId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 11601, Level = LogLevel.Warning, Message = "Revoked every service token of '{Name}' (user {UserId}) issued so far")]
    public static partial void ServiceTokensRevoked(ILogger logger, string name, long userId);

    [LoggerMessage(EventId = 11602, Level = LogLevel.Information, Message = "Closed connection {ConnectionId} of service user {UserId}: its token was revoked")]
    public static partial void RevokedConnectionClosed(ILogger logger, string connectionId, string? userId);

    [LoggerMessage(EventId = 11603, Level = LogLevel.Warning, Message = "Checking whether the service token of connection {ConnectionId} was revoked failed; the next check retries")]
    public static partial void RevocationCheckFailed(ILogger logger, string connectionId, Exception exception);
}
