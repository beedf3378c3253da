using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Netra.Server.Auth;
using Netra.Server.Protection;

namespace Netra.Server.Realtime.WebSockets;

/// <summary>
/// Who may open a hub connection through <see cref="DirectWebSockets"/>: the checks the HTTP pipeline makes on the hub's
/// WebSocket handshake (origin allow-list, bearer token, connect attempts per IP). A handshake that fails
/// any of them is not taken, and goes on to the HTTP pipeline, which refuses it with its usual answer (403, 429, 401
/// with a problem document and its code), logs it and counts it: the refusals are the HTTP pipeline's alone.
/// </summary>
internal sealed class HubAdmission(OriginPolicy origins, RateLimitGuard limits, BearerTokenValidator tokens, IOptions<RealtimeOptions> realtime, TimeProvider time)
{
    public async ValueTask<Admission?> AdmitAsync(UpgradeRequest request, ConnectionContext connection)
    {
        if (request.OffersExtensions && realtime.Value.WebSocketCompression)
        {
            return null; // compression is ASP.NET Core's WebSocket's to agree
        }

        // Only plain-text endpoints reach this transport (it runs before TLS, and a TLS handshake is not a request head).
        if (request.Origin is { } origin && !origins.IsAllowed(origin, "http", request.Host))
        {
            return null;
        }

        // The token before the attempt is counted: a refused token goes on to the HTTP pipeline, which counts it there.
        if (request.AccessToken is not { Length: > 0 } token || await tokens.ValidateAsync(token, connection.ConnectionClosed) is not { } valid)
        {
            return null;
        }

        return await limits.TryConnectAttemptAsync((connection.RemoteEndPoint as IPEndPoint)?.Address.ToString(), connection.ConnectionClosed)
            ? new Admission(valid.User, valid.Expires, time)
            : null;
    }
}
