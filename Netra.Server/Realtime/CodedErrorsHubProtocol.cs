using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Netra.Contracts;

namespace Netra.Server.Realtime;

/// <summary>
/// The JSON hub protocol, with one change on the way out: every invocation error starts with a
/// Netra error code. SignalR prefixes a <see cref="HubException"/>'s message with
/// "An unexpected error occurred invoking 'X' on the server. HubException: ", and reports argument
/// binding failures and unknown methods without any code; this protocol strips the prefix so the
/// client sees "FORBIDDEN: ..." as DESIGN.md promises, and gives the framework's own errors a code.
/// </summary>
internal sealed partial class CodedErrorsHubProtocol(IHubProtocol inner, long? maxMessageSize) : IHubProtocol
{
    private const string HubExceptionMarker = "HubException: ";

    public string Name => inner.Name;

    public int Version => inner.Version;

    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        var length = input.Length;
        if (inner.TryParseMessage(ref input, binder, out message))
        {
            return true;
        }

        // The JSON protocol consumes a complete record of an unknown message type and reports "no message".
        // With a receive size limit set, SignalR's dispatch loop then stops reading that connection for good
        // (it keeps re-reading the same record), so the connection hangs until the client timeout. Failing
        // the parse closes it at once, like any other malformed frame.
        if (input.Length != length)
        {
            throw new InvalidDataException("Unsupported hub message type.");
        }

        // SignalR hands at most the size limit to the parser. A record must end within it, so when that
        // much has arrived without a record separator the frame is over the limit, whatever follows. Saying
        // so with a HubException makes the close reason "MESSAGE_TOO_LARGE: ..." instead of SignalR's
        // generic "Connection closed with an error."
        if (maxMessageSize is { } max && input.Length >= max)
        {
            throw new HubException($"{ErrorCodes.MessageTooLarge}: a frame may be at most {max} bytes, record separator included; this connection is closed.");
        }

        return false;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(Translate(message), output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(Translate(message));

    internal static string WithCode(string error)
    {
        var marker = error.IndexOf(HubExceptionMarker, StringComparison.Ordinal);
        if (marker >= 0 && CodePrefix().IsMatch(error.AsSpan(marker + HubExceptionMarker.Length)))
        {
            // One of ours: "An unexpected error occurred invoking 'X' on the server. HubException: CODE: text".
            return error[(marker + HubExceptionMarker.Length)..];
        }

        if (error.Contains("Method does not exist.", StringComparison.Ordinal))
        {
            // SignalR's binder throws this for an unknown target, wrapped in "Failed to invoke 'X' ...".
            var target = error.Split('\'') is { Length: >= 3 } parts ? parts[1] : "?";
            return $"{ErrorCodes.NotFound}: There is no hub method '{target}'.";
        }

        if (error.StartsWith("The client attempted to invoke", StringComparison.Ordinal)
            || (error.StartsWith("Client sent ", StringComparison.Ordinal) && error.Contains("Hub method expects", StringComparison.Ordinal)))
        {
            // SignalR's words for a streaming method called with a plain invocation (or the other way round), and for a
            // call with the wrong number of client streams: the call was made the wrong way, the server is fine.
            return $"{ErrorCodes.ValidationFailed}: {error} See docs/protocol.md for how each method is called.";
        }

        if (error.StartsWith("Failed to invoke", StringComparison.Ordinal))
        {
            return $"{ErrorCodes.ValidationFailed}: {error} The arguments do not match the method's parameters (count or JSON types).";
        }

        return $"{ErrorCodes.Internal}: {error}";
    }

    [GeneratedRegex("^[A-Z][A-Z_]+: ")]
    private static partial Regex CodePrefix();

    private static HubMessage Translate(HubMessage message) => message switch
    {
        CompletionMessage { Error: { } error } completion =>
            new CompletionMessage(completion.InvocationId!, WithCode(error), result: null, hasResult: false) { Headers = completion.Headers },
        // A close caused by one of our refusals (e.g. CONNECTION_LIMIT) carries its code; SignalR's own
        // closes ("Connection closed with an error.") stay as they are.
        CloseMessage { Error: { } error } close when error.Contains(HubExceptionMarker, StringComparison.Ordinal) =>
            new CloseMessage(WithCode(error), close.AllowReconnect),
        _ => message,
    };
}
