namespace Netra.Contracts.Realtime;

/// <summary>A connection-level error, pushed before the server closes a connection (seed 001's error format).</summary>
public sealed record ErrorEvent(
    string Code,
    string Error,
    bool Recoverable,
    string? Help,
    DateTimeOffset Timestamp);
