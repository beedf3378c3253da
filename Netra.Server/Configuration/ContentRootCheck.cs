namespace Netra.Server.Configuration;

/// <summary>
/// ASP.NET Core takes the working directory as the content root: appsettings.json is read from there and the default
/// data directory lies under it. A node started elsewhere (a systemd unit without <c>WorkingDirectory=</c> starts in /)
/// runs without the settings file it ships with, and nothing else would say so.
/// </summary>
internal static partial class ContentRootCheck
{
    public const string SettingsFile = "appsettings.json";

    /// <summary>Warns once at start-up when the content root holds no <see cref="SettingsFile"/>.</summary>
    public static void WarnWhenTheSettingsFileIsMissing(this WebApplication app)
    {
        var contentRoot = app.Environment.ContentRootPath;
        if (!File.Exists(Path.Combine(contentRoot, SettingsFile)))
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ContentRootCheck).FullName!);
            SettingsFileMissing(logger, contentRoot, AppContext.BaseDirectory);
        }
    }

    [LoggerMessage(
        EventId = 12000,
        Level = LogLevel.Warning,
        Message = "No " + SettingsFile + " in the content root {ContentRoot}: this node runs on built-in defaults, environment variables " +
            "and the command line only, and its default data directory is under {ContentRoot}. Start it from {AppFolder} (systemd: " +
            "WorkingDirectory=) or pass --contentRoot {AppFolder}.")]
    private static partial void SettingsFileMissing(ILogger logger, string contentRoot, string appFolder);
}
