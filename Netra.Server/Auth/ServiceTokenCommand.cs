using System.Globalization;
using Netra.Server.Errors;
using Netra.Server.Storage;

namespace Netra.Server.Auth;

/// <summary>
/// <c>dotnet Netra.Server.dll --issue-service-token NAME [--days N]</c>: applies pending migrations, mints a service
/// token (<see cref="ServiceTokens"/>) with the node's configured signing key, prints it alone on stdout, and exits.
/// <c>--revoke-service-tokens NAME</c> revokes every token the backend was given so far instead.
/// </summary>
internal static class ServiceTokenCommand
{
    public const string Flag = "--issue-service-token";
    public const string RevokeFlag = "--revoke-service-tokens";

    public static bool IsRequested(string[] args) => args.Contains(Flag) || args.Contains(RevokeFlag);

    /// <summary>Every log line goes to stderr, so that stdout holds the token alone (<c>TOKEN=$(dotnet Netra.Server.dll ...)</c>).</summary>
    public static void LogToStandardError(WebApplicationBuilder builder) =>
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);

    /// <summary>Runs the command; returns the process exit code (0 issued, 2 bad arguments).</summary>
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Contains(RevokeFlag))
        {
            return await RevokeAsync(services, args, error, cancellationToken);
        }

        var at = Array.IndexOf(args, Flag);
        var name = at + 1 < args.Length && !args[at + 1].StartsWith("--", StringComparison.Ordinal) ? args[at + 1] : null;
        int? days = null;
        var daysAt = Array.IndexOf(args, "--days");
        if (daysAt >= 0)
        {
            if (daysAt + 1 >= args.Length || !int.TryParse(args[daysAt + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                await error.WriteLineAsync($"Usage: {Flag} NAME [--days N]: --days needs a whole number of days (1 to {ServiceTokens.MaxDays}).");
                return 2;
            }

            days = parsed;
        }

        if (name is null)
        {
            await error.WriteLineAsync($"Usage: {Flag} NAME [--days N] (NAME: the backend, e.g. issue-tracker; N: 1 to {ServiceTokens.MaxDays}, default {ServiceTokens.DefaultDays}).");
            return 2;
        }

        await services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        try
        {
            var issued = await services.GetRequiredService<ServiceTokens>().IssueAsync(name, days, cancellationToken);
            await output.WriteLineAsync(issued.AccessToken);
            await error.WriteLineAsync(
                $"Service token for '{name}' (user {issued.User.Id}, role service), expires {issued.ExpiresAt:u}. Send it as 'Authorization: Bearer <token>'.");
            return 0;
        }
        catch (ProblemException exception)
        {
            await error.WriteLineAsync($"{Flag}: {exception.Message}");
            return 2;
        }
    }

    private static async Task<int> RevokeAsync(IServiceProvider services, string[] args, TextWriter error, CancellationToken cancellationToken)
    {
        var at = Array.IndexOf(args, RevokeFlag);
        var name = at + 1 < args.Length && !args[at + 1].StartsWith("--", StringComparison.Ordinal) ? args[at + 1] : null;
        if (name is null)
        {
            await error.WriteLineAsync($"Usage: {RevokeFlag} NAME (NAME: the backend whose tokens are refused from now on, e.g. issue-tracker).");
            return 2;
        }

        await services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        try
        {
            await services.GetRequiredService<ServiceTokens>().RevokeAsync(name, cancellationToken);
            await error.WriteLineAsync(
                $"Every service token of '{name}' issued so far is refused from now on (other nodes within {ServiceTokens.RevocationCacheSeconds} s). Issue a new one with {Flag} {name}.");
            return 0;
        }
        catch (ProblemException exception)
        {
            await error.WriteLineAsync($"{RevokeFlag}: {exception.Message}");
            return 2;
        }
    }
}
