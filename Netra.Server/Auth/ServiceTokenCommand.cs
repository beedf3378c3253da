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

    /// <summary>Runs the command; returns the process exit code (0 done, 2 bad arguments).</summary>
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var tokens = services.GetRequiredService<ServiceTokens>();
        if (args.Contains(RevokeFlag))
        {
            if (NameAfter(args, RevokeFlag) is not { } revoked)
            {
                await error.WriteLineAsync($"Usage: {RevokeFlag} NAME (NAME: the backend whose tokens are refused from now on, e.g. issue-tracker).");
                return 2;
            }

            return await AfterMigratingAsync(services, RevokeFlag, error, async () =>
            {
                await tokens.RevokeAsync(revoked, cancellationToken);
                await error.WriteLineAsync(
                    $"Every service token of '{revoked}' issued so far is refused from now on (other nodes within {ServiceTokens.RevocationCacheSeconds} s). Issue a new one with {Flag} {revoked}.");
            }, cancellationToken);
        }

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

        if (NameAfter(args, Flag) is not { } name)
        {
            await error.WriteLineAsync($"Usage: {Flag} NAME [--days N] (NAME: the backend, e.g. issue-tracker; N: 1 to {ServiceTokens.MaxDays}, default {ServiceTokens.DefaultDays}).");
            return 2;
        }

        return await AfterMigratingAsync(services, Flag, error, async () =>
        {
            var issued = await tokens.IssueAsync(name, days, cancellationToken);
            await output.WriteLineAsync(issued.AccessToken);
            await error.WriteLineAsync(
                $"Service token for '{name}' (user {issued.User.Id}, role service), expires {issued.ExpiresAt:u}. Send it as 'Authorization: Bearer <token>'.");
        }, cancellationToken);
    }

    private static string? NameAfter(string[] args, string flag)
    {
        var at = Array.IndexOf(args, flag);
        return at + 1 < args.Length && !args[at + 1].StartsWith("--", StringComparison.Ordinal) ? args[at + 1] : null;
    }

    /// <summary>Applies pending migrations, then runs <paramref name="command"/>: 0, or 2 when it refused its arguments.</summary>
    private static async Task<int> AfterMigratingAsync(IServiceProvider services, string flag, TextWriter error, Func<Task> command, CancellationToken cancellationToken)
    {
        await services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        try
        {
            await command();
            return 0;
        }
        catch (ProblemException exception)
        {
            await error.WriteLineAsync($"{flag}: {exception.Message}");
            return 2;
        }
    }
}
