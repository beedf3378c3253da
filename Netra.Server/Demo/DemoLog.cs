namespace Netra.Server.Demo;

internal static partial class DemoLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Demo data ready; log in as {Logins}")]
    public static partial void Seeded(ILogger logger, string logins);
}
