using System.Buffers;
using System.Diagnostics.CodeAnalysis;
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
internal sealed class CodedErrorsHubProtocol(IHubProtocol inner) : IHubProtocol
{
    private const string HubExceptionMarker = "HubException: ";

    public string Name => inner.Name;

    public int Version => inner.Version;

    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message) =>
        inner.TryParseMessage(ref input, binder, out message);

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(Translate(message), output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(Translate(message));

    internal static string WithCode(string error)
    {
        var marker = error.IndexOf(HubExceptionMarker, StringComparison.Ordinal);
        if (marker >= 0)
        {
            return error[(marker + HubExceptionMarker.Length)..];
        }

        if (error.StartsWith("Failed to invoke", StringComparison.Ordinal))
        {
            return $"{ErrorCodes.ValidationFailed}: {error} The arguments do not match the method's parameters (count or JSON types).";
        }

        if (error.StartsWith("Unknown hub method", StringComparison.Ordinal))
        {
            return $"{ErrorCodes.NotFound}: {error}";
        }

        return $"{ErrorCodes.Internal}: {error}";
    }

    private static HubMessage Translate(HubMessage message) =>
        message is CompletionMessage { Error: { } error } completion
            ? new CompletionMessage(completion.InvocationId!, WithCode(error), result: null, hasResult: false) { Headers = completion.Headers }
            : message;
}
