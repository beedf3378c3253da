namespace Netra.Contracts;

/// <summary>
/// Error codes shared by hub errors (<c>HubException</c> messages start with <c>CODE: </c>),
/// HTTP problem details (<c>code</c> member) and the <c>Error</c> event.
/// </summary>
public static class ErrorCodes
{
    public const string Unauthorized = "UNAUTHORIZED";
    public const string Forbidden = "FORBIDDEN";
    public const string NotFound = "NOT_FOUND";
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string Conflict = "CONFLICT";
    public const string RateLimited = "RATE_LIMITED";
    public const string MessageTooLarge = "MESSAGE_TOO_LARGE";
    public const string ConnectionLimit = "CONNECTION_LIMIT";
    public const string Internal = "INTERNAL";

    /// <summary>An agent run that stopped before it completed: cancelled by its caller, over its time limit, or its node shut down.</summary>
    public const string Cancelled = "CANCELLED";
}
