namespace Netra.Contracts.Realtime;

public sealed record PingResult(DateTimeOffset ServerTime);
