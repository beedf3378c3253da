using Netra.Contracts;

namespace Netra.Client;

/// <summary>
/// A refused hub call (the server's <c>CODE: text</c> error, e.g. <c>FORBIDDEN</c>) or a client-side
/// failure (<see cref="NetraClientErrorCodes"/>). <see cref="Code"/> is what to branch on.
/// </summary>
public sealed class NetraException : Exception
{
    public NetraException()
        : this(ErrorCodes.Internal, "The call failed.")
    {
    }

    public NetraException(string message)
        : this(ErrorCodes.Internal, message)
    {
    }

    public NetraException(string message, Exception innerException)
        : this(ErrorCodes.Internal, message, innerException)
    {
    }

    public NetraException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
    }

    /// <summary>The error code: one of <see cref="ErrorCodes"/> or <see cref="NetraClientErrorCodes"/>.</summary>
    public string Code { get; }

    /// <summary>For <c>RATE_LIMITED</c> from the HTTP API: when the server said a retry may succeed.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
