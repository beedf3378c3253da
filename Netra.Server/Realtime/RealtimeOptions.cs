using System.ComponentModel.DataAnnotations;

namespace Netra.Server.Realtime;

/// <summary>Hub heartbeats and live ordering (<c>Netra__Realtime__*</c>).</summary>
internal sealed class RealtimeOptions : IValidatableObject
{
    public const string SectionName = "Netra:Realtime";

    /// <summary>How often the server pings an idle connection.</summary>
    [Range(1, 600)]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>How long the server waits for anything from a client before it drops the connection.</summary>
    [Range(2, 3600)]
    public int ClientTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// How long a subscriber's durable event that skips a seq waits for the missing one before it is sent anyway
    /// (two nodes can broadcast seq 6 before seq 5). 0 sends at once, in arrival order.
    /// </summary>
    [Range(0, 10_000)]
    public int OrderingWindowMs { get; set; } = 250;

    /// <summary>
    /// Hub calls of one connection the server works on at once. Calls still take effect in the order the
    /// client made them (<see cref="CallOrder"/>): a higher figure lets a client's sends in flight be
    /// stored together (one commit) and go out together (one WebSocket message per member) instead of one
    /// after the other. A call beyond it waits, unread, in the connection's buffer (SignalR stops reading
    /// the connection), so the figure bounds the work one connection has in the server; rate limits
    /// still count every call. 1 runs every call alone.
    /// </summary>
    [Range(1, 256)]
    public int MaxParallelCallsPerConnection { get; set; } = 64;

    /// <summary>
    /// Floor of the thread pool's worker threads, raised at startup when lower (<see cref="ThreadPoolFloor"/>).
    /// The runtime's own floor is one per core: on a 1-2 core machine a long broadcast then delays socket
    /// reads and database replies behind it.
    /// </summary>
    [Range(1, 1024)]
    public int MinWorkerThreads { get; set; } = 16;

    /// <summary>
    /// Accept WebSocket compression (permessage-deflate, RFC 7692) when a client offers it, as browsers do. Off by
    /// default: each connection compresses its own copy of every frame it is sent (a broadcast to 1,000 members is
    /// 1,000 compressions), and the server starts a deflate stream for each frame (no context kept between frames, so
    /// no compressor is held per idle connection). Worth it for large text payloads sent to few connections over slow
    /// links.
    /// </summary>
    public bool WebSocketCompression { get; set; }

    /// <summary>
    /// Serve WebSocket handshakes that skip negotiate with Netra's own transport (<see cref="WebSockets.DirectWebSockets"/>),
    /// in front of Kestrel's HTTP server, instead of ASP.NET Core's WebSocket path: about 40 % less memory per idle
    /// connection and 1.6-1.9x the fan-out and rpc throughput on the same CPU (docs/benchmarks.md). Negotiated
    /// connections, other transports, TLS endpoints and handshakes offering compression while
    /// <see cref="WebSocketCompression"/> is on take ASP.NET Core's path either way.
    /// </summary>
    public bool DirectWebSockets { get; set; } = true;

    /// <summary>
    /// Netra's own transport sends each frame on the connection's socket from the thread that flushes it, rather than
    /// through Kestrel's socket pipe and its send loop: a copy, a thread-pool hop and a wake-up less per frame
    /// (docs/benchmarks.md). Only where Kestrel's socket transport gives the socket; <c>false</c> keeps the pipe.
    /// </summary>
    public bool DirectWebSocketsSendOnSocket { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ClientTimeoutSeconds < 2 * KeepAliveSeconds)
        {
            yield return new ValidationResult(
                "ClientTimeoutSeconds must be at least twice KeepAliveSeconds, or healthy clients are dropped between pings.",
                [nameof(ClientTimeoutSeconds)]);
        }
    }
}
