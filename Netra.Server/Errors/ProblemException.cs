namespace Netra.Server.Errors;

/// <summary>
/// An expected failure with a wire error code (see <see cref="Netra.Contracts.ErrorCodes"/>).
/// Services throw it; the hub filter turns it into <c>HubException("CODE: message")</c> and
/// the HTTP exception handler into problem details with the same code.
/// </summary>
internal sealed class ProblemException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>For RATE_LIMITED: when a retry may succeed; sent as the HTTP <c>Retry-After</c> header.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ProblemException Validation(string message) => new(Netra.Contracts.ErrorCodes.ValidationFailed, message);

    public static ProblemException Forbidden(string message) => new(Netra.Contracts.ErrorCodes.Forbidden, message);

    public static ProblemException NotFound(string message) => new(Netra.Contracts.ErrorCodes.NotFound, message);

    /// <summary>
    /// Runs <paramref name="check"/> on one part of a larger request; its refusal keeps its code and names the part
    /// (<c>events[3]: type must ...</c>).
    /// </summary>
    public static T Within<T>(string part, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (ProblemException refused)
        {
            throw new ProblemException(refused.Code, $"{part}: {refused.Message}") { RetryAfterSeconds = refused.RetryAfterSeconds };
        }
    }
}
