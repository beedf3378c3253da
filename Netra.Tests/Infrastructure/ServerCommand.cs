using System.Diagnostics;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// Runs the server's build (<c>dotnet Netra.Server.dll ARGS</c>) as a command that exits (<c>--migrate-only</c>,
/// <c>--issue-service-token</c>) against a database, with the test signing key; killed after 90 s.
/// </summary>
public static class ServerCommand
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string database, params string[] args)
    {
        var serverDll = Path.Combine(AppContext.BaseDirectory, "Netra.Server.dll");
        var start = new ProcessStartInfo("dotnet", [serverDll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["ConnectionStrings__Postgres"] = database;
        start.Environment["Netra__Auth__SigningKey"] = NetraTestServer.SigningKey;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Logging__LogLevel__Default"] = "Information";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
