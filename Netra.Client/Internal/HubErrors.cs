using Microsoft.AspNetCore.SignalR;
using Netra.Contracts;

namespace Netra.Client.Internal;

/// <summary>Turns the server's <c>CODE: text</c> hub errors into <see cref="NetraException"/>s.</summary>
internal static class HubErrors
{
    // What SignalR's client puts before the error of a close message (a call in flight fails with it).
    private const string ServerClosedPrefix = "The server closed the connection with the following error: ";

    /// <summary>
    /// The error's code and text. A call cut off by the server closing the connection with a coded reason
    /// (e.g. MESSAGE_TOO_LARGE for an oversized frame) gets that reason.
    /// </summary>
    public static NetraException ToNetraException(HubException exception)
    {
        var message = exception.Message.StartsWith(ServerClosedPrefix, StringComparison.Ordinal)
            ? exception.Message[ServerClosedPrefix.Length..]
            : exception.Message;
        return new(ParseCode(message), message, exception);
    }

    public static NetraException Disconnected(Exception? cause) =>
        new(NetraClientErrorCodes.Disconnected, "The client is not connected to the server" + (cause is null ? "." : ": " + cause.Message), cause);

    /// <summary>The leading upper-case code before ": ", or INTERNAL when the message has none.</summary>
    public static string ParseCode(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return ErrorCodes.Internal;
        }

        var colon = message.IndexOf(": ", StringComparison.Ordinal);
        if (colon <= 0)
        {
            return ErrorCodes.Internal;
        }

        var code = message.AsSpan(0, colon);
        foreach (var c in code)
        {
            if (!char.IsAsciiLetterUpper(c) && c != '_')
            {
                return ErrorCodes.Internal;
            }
        }

        return code.ToString();
    }
}
