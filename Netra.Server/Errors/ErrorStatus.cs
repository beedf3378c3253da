using Netra.Contracts;

namespace Netra.Server.Errors;

/// <summary>Maps error codes to HTTP status codes and back.</summary>
internal static class ErrorStatus
{
    public static int ForCode(string code) => code switch
    {
        ErrorCodes.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.ValidationFailed => StatusCodes.Status400BadRequest,
        ErrorCodes.Conflict => StatusCodes.Status409Conflict,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        ErrorCodes.ConnectionLimit => StatusCodes.Status429TooManyRequests,
        ErrorCodes.MessageTooLarge => StatusCodes.Status413PayloadTooLarge,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static string CodeFor(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => ErrorCodes.Unauthorized,
        StatusCodes.Status403Forbidden => ErrorCodes.Forbidden,
        StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed => ErrorCodes.NotFound,
        StatusCodes.Status409Conflict => ErrorCodes.Conflict,
        StatusCodes.Status413PayloadTooLarge => ErrorCodes.MessageTooLarge,
        StatusCodes.Status429TooManyRequests => ErrorCodes.RateLimited,
        >= 400 and < 500 => ErrorCodes.ValidationFailed,
        _ => ErrorCodes.Internal,
    };
}
