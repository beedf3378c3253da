using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Netra.Contracts;
using Netra.Server.Storage;

namespace Netra.Server.Errors;

/// <summary>
/// The one place HTTP failures become problem details: expected failures keep their code,
/// malformed requests become VALIDATION_FAILED, PostgreSQL out of reach becomes INTERNAL with 503 and
/// <c>Retry-After</c> (the request may succeed as it is once the database is back), anything else is logged and
/// becomes INTERNAL with 500.
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problemDetails, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var unavailable = exception is not ProblemException && PostgresErrors.IsUnavailable(exception);
        var (code, detail) = exception switch
        {
            ProblemException problem => (problem.Code, problem.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (ErrorCodes.MessageTooLarge, "The request body is too large."),
            BadHttpRequestException bad => (ErrorCodes.ValidationFailed, bad.Message),
            _ when unavailable => (ErrorCodes.Internal, PostgresErrors.UnavailableMessage),
            _ => (ErrorCodes.Internal, "An unexpected error occurred. It has been logged with trace id " + httpContext.TraceIdentifier + "."),
        };

        if (unavailable)
        {
            ErrorsLog.StorageUnavailableHttp(logger, httpContext.Request.Method, httpContext.Request.Path, httpContext.TraceIdentifier, exception.Message);
        }
        // A ProblemException with INTERNAL is a failure its thrower foresaw and logged (e.g. Redis out of reach for a member's
        // removal): it is not logged again as an unexpected error with its stack.
        else if (code == ErrorCodes.Internal && exception is not ProblemException)
        {
            ErrorsLog.UnhandledHttpException(logger, httpContext.Request.Method, httpContext.Request.Path, httpContext.TraceIdentifier, exception);
        }
        else
        {
            ErrorsLog.ExpectedHttpFailure(logger, httpContext.Request.Method, httpContext.Request.Path, code, detail);
        }

        httpContext.Response.StatusCode = unavailable ? StatusCodes.Status503ServiceUnavailable : ErrorStatus.ForCode(code);
        var retryAfter = unavailable ? PostgresErrors.UnavailableRetryAfterSeconds : (exception as ProblemException)?.RetryAfterSeconds;
        if (retryAfter is not null)
        {
            httpContext.Response.Headers.RetryAfter = retryAfter.Value.ToString(CultureInfo.InvariantCulture);
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = httpContext.Response.StatusCode,
                Detail = detail,
                Extensions = { ["code"] = code },
            },
        });
    }
}
