using Microsoft.AspNetCore.Diagnostics;
using Netra.Contracts;

namespace Netra.Server.Errors;

/// <summary>
/// The one place HTTP failures become problem details: expected failures keep their code,
/// malformed requests become VALIDATION_FAILED, anything else is logged and becomes INTERNAL.
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problemDetails, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (code, detail) = exception switch
        {
            ProblemException problem => (problem.Code, problem.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (ErrorCodes.MessageTooLarge, "The request body is too large."),
            BadHttpRequestException bad => (ErrorCodes.ValidationFailed, bad.Message),
            _ => (ErrorCodes.Internal, "An unexpected error occurred. It has been logged with trace id " + httpContext.TraceIdentifier + "."),
        };

        if (code == ErrorCodes.Internal)
        {
            ErrorsLog.UnhandledHttpException(logger, httpContext.Request.Method, httpContext.Request.Path, httpContext.TraceIdentifier, exception);
        }
        else
        {
            ErrorsLog.ExpectedHttpFailure(logger, httpContext.Request.Method, httpContext.Request.Path, code, detail);
        }

        httpContext.Response.StatusCode = ErrorStatus.ForCode(code);
        if (exception is ProblemException { RetryAfterSeconds: { } retryAfter })
        {
            httpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
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
