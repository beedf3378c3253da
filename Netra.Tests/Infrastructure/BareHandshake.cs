using System.Net;
using System.Net.WebSockets;

namespace Netra.Tests.Infrastructure;

/// <summary>A bare WebSocket handshake to the hub (no negotiate, no SignalR), closed at once if it is accepted.</summary>
public static class BareHandshake
{
    /// <summary>Returns the HTTP status the server answered and its response headers.</summary>
    public static async Task<(HttpStatusCode Status, IReadOnlyDictionary<string, IEnumerable<string>>? Headers)> OpenAsync(
        NetraTestServer server, string token, string? origin = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        var url = new UriBuilder(server.HubUrl) { Scheme = "ws" };
        if (token.Length > 0)
        {
            url.Query = "access_token=" + Uri.EscapeDataString(token);
        }

        try
        {
            await socket.ConnectAsync(url.Uri, CancellationToken.None).WaitAsync(TestTimeouts.Network);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TestTimeouts.Network);
        }
        catch (WebSocketException)
        {
            // The handshake was refused; the status code is the answer.
        }

        return (socket.HttpStatusCode, socket.HttpResponseHeaders);
    }
}
