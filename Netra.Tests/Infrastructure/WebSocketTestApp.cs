using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Netra.Tests.Infrastructure;

/// <summary>A bare ASP.NET Core app on a free loopback port, WebSockets on, for tests of a client against a server that behaves as the test says.</summary>
public static class WebSocketTestApp
{
    /// <summary>Starts an app whose <c>/ws</c> runs <paramref name="handle"/> for every request; its address is <c>Urls.First()</c>.</summary>
    public static async Task<WebApplication> StartAsync(RequestDelegate handle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/ws", handle);
        await app.StartAsync();
        return app;
    }
}
