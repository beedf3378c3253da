using Microsoft.AspNetCore.SignalR;
using Netra.Contracts;

namespace Netra.Client.Internal;

/// <summary>Turns the server's <c>CODE: text</c> hub errors into <see cref="NetraException"/>s.</summary>
internal static class HubErrors
{
    public static NetraException ToNetraException(HubException exception) =>
        new(ParseCode(exception.Message), exception.Message, exception);

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
