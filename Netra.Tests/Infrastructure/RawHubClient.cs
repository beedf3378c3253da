using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// Speaks the SignalR JSON protocol by hand over a bare WebSocket, to send what a well-behaved
/// client library never would: malformed frames, invalid Unicode escapes, wrong argument shapes.
/// </summary>
public sealed class RawHubClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket socket = new();
    private readonly Queue<JsonElement> pending = new();
    private HttpMessageInvoker? invoker;

    public WebSocketState State => socket.State;

    public WebSocketCloseStatus? CloseStatus => socket.CloseStatus;

    /// <summary>The extensions the server accepted (<c>Sec-WebSocket-Extensions</c>), when connected with <c>offerCompression</c>.</summary>
    public string? AcceptedExtensions =>
        socket.HttpResponseHeaders?.TryGetValue("Sec-WebSocket-Extensions", out var values) == true ? string.Join(", ", values) : null;

    /// <summary>Reads until the server closes or resets the connection; false if it is still open after <see cref="TestTimeouts.Network"/>.</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        try
        {
            while (true)
            {
                await ReceiveAsync();
            }
        }
        catch (WebSocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Connects and shakes hands, with the token in the query string as browsers send it, after <paramref name="query"/>
    /// (e.g. a negotiated <c>id=...</c>). With <paramref name="receiveBufferSize"/>, the socket's kernel receive buffer is
    /// that small, so that a client that stops reading soon leaves the server's writes waiting (a slow member). A handshake for
    /// another <paramref name="protocol"/> than <c>json</c> is refused: that throws, with the server's error.
    /// </summary>
    public static async Task<RawHubClient> ConnectAsync(
        NetraTestServer server, string token, int? receiveBufferSize = null, string? query = null, bool offerCompression = false, string protocol = "json")
    {
        var client = new RawHubClient();
        if (offerCompression)
        {
            // permessage-deflate with the client's defaults, as a browser offers it.
            client.socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
            client.socket.Options.CollectHttpResponseDetails = true;
        }

        var url = new UriBuilder(server.HubUrl)
        {
            Scheme = "ws",
            Query = (query is null ? "" : query + "&") + "access_token=" + Uri.EscapeDataString(token),
        };
        if (receiveBufferSize is { } size)
        {
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = size }; // before connecting: it sets the window
                    try
                    {
                        await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                        return new NetworkStream(tcp, ownsSocket: true);
                    }
                    catch
                    {
                        tcp.Dispose();
                        throw;
                    }
                },
            };
            client.invoker = new HttpMessageInvoker(handler); // kept, and disposed, with the socket
            await client.socket.ConnectAsync(url.Uri, client.invoker, CancellationToken.None).WaitAsync(TestTimeouts.Network);
        }
        else
        {
            await client.socket.ConnectAsync(url.Uri, CancellationToken.None).WaitAsync(TestTimeouts.Network);
        }

        await client.SendRawAsync($$"""{"protocol":"{{protocol}}","version":1}""" + RecordSeparator);
        var handshake = await client.ReceiveAsync();
        if (handshake.TryGetProperty("error", out var error))
        {
            await client.DisposeAsync();
            throw new InvalidOperationException("Handshake refused: " + error.GetString());
        }

        return client;
    }

    public Task SendRawAsync(string frame) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).WaitAsync(TestTimeouts.Network);

    /// <summary>Sends an invocation whose arguments are given as raw JSON, and returns its completion message.</summary>
    public async Task<JsonElement> InvokeRawAsync(string target, string argumentsJson)
    {
        var id = Guid.NewGuid().ToString("N");
        await SendRawAsync($$"""{"type":1,"invocationId":"{{id}}","target":"{{target}}","arguments":{{argumentsJson}}}""" + RecordSeparator);
        while (true)
        {
            var message = await ReceiveAsync();
            if (message.GetProperty("type").GetInt32() == 3 && message.GetProperty("invocationId").GetString() == id)
            {
                return message;
            }
        }
    }

    /// <summary>
    /// The next protocol message, skipping pings, within <see cref="TestTimeouts.Network"/> as a whole
    /// (pings keep coming, so a per-read timeout would never fire); throws when the server closes the socket.
    /// </summary>
    public async Task<JsonElement> ReceiveAsync()
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Network);
        while (true)
        {
            if (pending.TryDequeue(out var queued))
            {
                if (queued.TryGetProperty("type", out var type) && type.GetInt32() == 6)
                {
                    continue;
                }

                return queued;
            }

            foreach (var record in await ReceiveMessageAsync(deadline.Token))
            {
                pending.Enqueue(record);
            }
        }
    }

    /// <summary>
    /// The protocol messages of the next WebSocket message, as the server grouped them (pings included). Only pings may
    /// be left over from <see cref="ReceiveAsync"/> (they are dropped): a queued message would be lost between the two.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> ReceiveMessageAsync(CancellationToken cancellationToken = default)
    {
        while (pending.TryDequeue(out var left))
        {
            if (!left.TryGetProperty("type", out var type) || type.GetInt32() != 6)
            {
                throw new InvalidOperationException("A message read by ReceiveAsync is still queued: " + left);
            }
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TestTimeouts.Network);
        var buffer = new byte[64 * 1024];
        using var text = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, deadline.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, $"closed: {result.CloseStatus} {result.CloseStatusDescription}");
            }

            text.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return Encoding.UTF8.GetString(text.ToArray()).Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(record => JsonDocument.Parse(record).RootElement.Clone())
            .ToList();
    }

    /// <summary>The invocations of <paramref name="target"/> in the next WebSocket message that holds any (pings and other records are skipped).</summary>
    public async Task<List<JsonElement>> NextInvocationsAsync(string target)
    {
        while (true)
        {
            var invocations = (await ReceiveMessageAsync())
                .Where(r => r.GetProperty("type").GetInt32() == 1 && r.GetProperty("target").GetString() == target)
                .ToList();
            if (invocations.Count > 0)
            {
                return invocations;
            }
        }
    }

    /// <summary>
    /// The targets of the invocations received from now up to and including the first to <paramref name="target"/>: with a
    /// marker sent after some event, whether that event came before it.
    /// </summary>
    public async Task<List<string>> TargetsUntilAsync(string target)
    {
        var targets = new List<string>();
        while (targets.LastOrDefault() != target)
        {
            var message = await ReceiveAsync();
            if (message.GetProperty("type").GetInt32() == 1)
            {
                targets.Add(message.GetProperty("target").GetString()!);
            }
        }

        return targets;
    }

    /// <summary>The <c>seq</c> of a durable event's invocation (its first argument).</summary>
    public static long SeqOf(JsonElement invocation) => invocation.GetProperty("arguments")[0].GetProperty("seq").GetInt64();

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TestTimeouts.Network);
            }
        }
        catch (WebSocketException)
        {
            // The server closed or reset the connection first (tests of hostile input and timeouts): nothing left to close.
        }

        socket.Dispose();
        invoker?.Dispose();
    }
}
