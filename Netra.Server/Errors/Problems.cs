using Microsoft.AspNetCore.Http.HttpResults;

namespace Netra.Server.Errors;

/// <summary>Typed HTTP results for expected failures: RFC 7807 problem details carrying a <c>code</c>.</summary>
internal static class Problems
{
    public static ProblemHttpResult Of(string code, string detail) =>
        TypedResults.Problem(
            detail: detail,
            statusCode: ErrorStatus.ForCode(code),
            extensions: new Dictionary<string, object?> { ["code"] = code });

    public static ProblemHttpResult Of(ProblemException exception) => Of(exception.Code, exception.Message);
}
