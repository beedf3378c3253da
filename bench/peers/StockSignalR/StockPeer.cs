namespace Netra.Bench.StockSignalR;

/// <summary>
/// The stock peer: <c>AddSignalR()</c> and <c>MapHub</c> at <c>/hub</c>, default options, bound to
/// 127.0.0.1. The benchmark runs it as a process (<c>dotnet StockSignalR.dll PORT</c>); the smoke
/// test starts it in-process with <see cref="Create"/>.
/// </summary>
public static class StockPeer
{
    public const string HubPath = "/hub";

    public static WebApplication Create(int port, string[]? args = null)
    {
        var builder = WebApplication.CreateBuilder(args ?? []);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSignalR();

        var app = builder.Build();
        app.MapGet("/health", () => "ok");
        app.MapHub<BenchHub>(HubPath);
        return app;
    }

    public static async Task<int> Main(string[] args)
    {
        var port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 0;
        await using var app = Create(port, args.Length > 1 ? args[1..] : []);
        await app.RunAsync();
        return 0;
    }
}
