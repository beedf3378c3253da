namespace Netra.Bench;

/// <summary>
/// One system under test and how to reach it. Method names differ per system: Netra has
/// <c>Ping</c> and chats; the peers have <c>echo</c>, <c>join</c>/<c>Subscribe</c> and <c>publish</c>.
/// </summary>
public sealed class Target
{
    public const string Netra = "netra";
    public const string Stock = "stock";
    public const string SocketIo = "socketio";

    public required string System { get; init; }

    /// <summary>http://127.0.0.1:PORT of each node (two for the scale-out scenario).</summary>
    public required IReadOnlyList<Uri> Nodes { get; init; }

    public WireProtocol Protocol => System == SocketIo ? WireProtocol.SocketIo : WireProtocol.SignalRJson;

    /// <summary>Netra only: the HS256 key to sign access tokens with (claims sub and name).</summary>
    public string? SigningKey { get; init; }

    /// <summary>Sent as the Origin header on every handshake (Netra checks it against its allow-list).</summary>
    public string? Origin { get; init; }

    /// <summary>Netra only: its PostgreSQL, to seed users and chats and to measure PostgreSQL's own insert rate.</summary>
    public string? Postgres { get; init; }

    /// <summary>Netra only: the PostgreSQL postmaster, whose CPU (with its backends') is reported beside the server's.</summary>
    public int? PostgresPid { get; init; }

    /// <summary>Server processes whose RSS and CPU are read from /proc (empty in-process, e.g. in the smoke test).</summary>
    public IReadOnlyList<int> ServerPids { get; init; } = [];

    /// <summary>The samples file of a <see cref="CoreProbe"/> on the server core, if one runs: each window reports their median.</summary>
    public string? CoreProbe { get; init; }

    /// <summary>
    /// Netra only: which of the seeded fan-out chats (<see cref="NetraSeed.FanoutChats"/>) the fan-out follows. The two
    /// setups of the scale-out pair, connected at once, follow one each: a chat's seq counts every message stored in it,
    /// and a node whose subscribers missed the other setup's messages would hold its next ones back for the missing seqs.
    /// </summary>
    public int FanoutChat { get; init; }

    /// <summary>What this target's connections received, counted apart from any other target's.</summary>
    public ReceivedMessages Received { get; } = new();

    public bool IsNetra => System == Netra;

    /// <summary>Several nodes (scale-out): the generator then also measures each node's subscribers apart.</summary>
    public bool HasSeveralNodes => Nodes.Count > 1;

    public Uri SocketUrl(int node, long userId)
    {
        var http = Nodes[node % Nodes.Count];
        var ws = new UriBuilder(http) { Scheme = http.Scheme == "https" ? "wss" : "ws" };
        switch (System)
        {
            case Netra:
                ws.Path = "/ws";
                ws.Query = "access_token=" + Tokens.Create(SigningKey ?? throw new InvalidOperationException("Netra needs --signing-key."), userId);
                break;
            case Stock:
                ws.Path = "/hub";
                if (SigningKey is not null)
                {
                    // For experiments with a stock hub behind JWT bearer auth; the stock peer itself has none.
                    ws.Query = "access_token=" + Tokens.Create(SigningKey, userId);
                }

                break;
            default:
                ws.Path = "/socket.io/";
                ws.Query = "EIO=4&transport=websocket";
                break;
        }

        return ws.Uri;
    }
}
