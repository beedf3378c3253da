using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR;
using Netra.Contracts;

namespace Netra.Client.Internal;

/// <summary>Turns the server's <c>CODE: text</c> hub errors into <see cref="NetraException"/>s.</summary>
internal static partial class HubErrors
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

    /// <summary>
    /// True for the codes that refuse a channel for good (re-subscribing cannot succeed): the channel is dropped.
    /// Any other code (INTERNAL while PostgreSQL is down, RATE_LIMITED, ...) may pass, so the channel is kept and
    /// retried. The TypeScript client keeps the same list.
    /// </summary>
    public static bool IsPermanentRefusal(string code) =>
        code is ErrorCodes.Forbidden or ErrorCodes.NotFound or ErrorCodes.ValidationFailed or ErrorCodes.Unauthorized;

    /// <summary>The wait a refusal asks for (<c>RATE_LIMITED: 60 messages per minute; retry in 12 s</c>), if it names one.</summary>
    public static TimeSpan? RetryIn(string? message)
    {
        var match = message is null ? Match.Empty : RetryInSeconds().Match(message);
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
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

    [GeneratedRegex(@"\bretry in (\d{1,6}) s\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RetryInSeconds();
}
