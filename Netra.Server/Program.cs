using Netra.Server.Agents;
using Netra.Server.Auth;
using Netra.Server.Backplane;
using Netra.Server.Chat;
using Netra.Server.Configuration;
using Netra.Server.Connections;
using Netra.Server.Demo;
using Netra.Server.Errors;
using Netra.Server.Events;
using Netra.Server.Feed;
using Netra.Server.Health;
using Netra.Server.Metrics;
using Netra.Server.Notifications;
using Netra.Server.Presence;
using Netra.Server.Protection;
using Netra.Server.Realtime;
using Netra.Server.Storage;
using Netra.Server.Uploads;
using Netra.Server.Web;

SharedArrayPoolSize.Raise(); // before anything rents from ArrayPool<byte>.Shared, which reads its size once

var app = Program.CreateApp(args, ServiceTokenCommand.IsRequested(args) ? ServiceTokenCommand.LogToStandardError : null);

if (args.Contains("--migrate-only"))
{
    // Applies pending migrations and exits: for deploy pipelines, and for the test that starts several migrators at once.
    await app.Services.GetRequiredService<Migrator>().MigrateAsync(CancellationToken.None);
    return;
}

if (ServiceTokenCommand.IsRequested(args))
{
    // Prints a token with role `service` for a backend, or revokes a backend's tokens, and exits (docs/protocol.md, "Service tokens").
    Environment.ExitCode = await ServiceTokenCommand.RunAsync(app.Services, args, Console.Out, Console.Error, CancellationToken.None);
    return;
}

await app.RunAsync();

/// <summary>Composition root. Tests build the same app with <see cref="CreateApp"/> and their own configuration.</summary>
public partial class Program
{
    /// <summary>
    /// The app: <paramref name="configure"/> runs first (configuration the features read as they register),
    /// <paramref name="overrides"/> after every feature registered its services (tests replace one with a double).
    /// </summary>
    public static WebApplication CreateApp(string[] args, Action<WebApplicationBuilder>? configure = null, Action<IServiceCollection>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        builder.AddNetraErrors();      // problem details with a `code`, one exception handler
        builder.AddNetraStorage();     // PostgreSQL data source and migrations under an advisory lock
        builder.AddNetraMetrics();     // Meter("Netra.Server") and /api/admin/stats
        builder.AddNetraProtection();  // limits reported by /ws/config and enforced by the hub
        builder.AddNetraAuth();        // users, password hashing, JWT issue and validation
        builder.AddNetraRealtime();    // the /ws hub, its options and filters
        builder.AddNetraBackplane();   // Netra's hub lifetime manager: Redis scale-out when ConnectionStrings:Redis is set, else one node
        builder.AddNetraChat();        // chats, members, messages with per-chat seq
        builder.AddNetraPresence();    // who is online, once per user across tabs and nodes; dead nodes swept
        builder.AddNetraEvents();      // durable events of the other channels, publish APIs, history, retention
        builder.AddNetraNotifications(); // personal notifications, stored and pushed to every connection of the user
        builder.AddNetraFeed();        // posts and comments on the feed channel
        builder.AddNetraConnections(); // connection requests between users
        builder.AddNetraUploads();     // POST /api/uploads, files served from /uploads/{name}
        builder.AddNetraAgents();      // agent runs streamed live, the demo agent, the service push API
        builder.AddNetraHealth();      // liveness and readiness
        builder.AddNetraDemo();        // demo users and chat, when Netra:Demo:Enabled
        overrides?.Invoke(builder.Services);

        var app = builder.Build();
        app.WarnWhenTheSettingsFileIsMissing(); // started outside its folder: say so, since nothing else would

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseNetraProtection();
        app.UseHubWebSocketCompression(); // when Netra:Realtime:WebSocketCompression is on
        app.UseWebAppAtRoot();         // "/" opens the chat app once web/ is built into wwwroot/app
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapAuth();
        app.MapChats();
        app.MapEvents();
        app.MapPresence();
        app.MapFeed();
        app.MapNotifications();
        app.MapConnections();
        app.MapUploads();
        app.MapAgentRuns();
        app.MapRealtime();
        app.MapHealth();
        app.MapMetrics();
        app.MapServiceTokens();

        return app;
    }
}
