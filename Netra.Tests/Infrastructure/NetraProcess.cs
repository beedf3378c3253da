using System.Diagnostics;
using System.Globalization;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// A Netra node in a process of its own (<c>dotnet Netra.Server.dll</c>, the build the tests run against),
/// configured through environment variables as in production, bound to a loopback port. <see cref="Kill"/>
/// is SIGKILL: the node gets no chance to close its connections or say goodbye to Redis.
/// </summary>
internal sealed class NetraProcess : INetraNode, IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly string guard;

    private NetraProcess(Process process, Uri baseAddress, OutputTail output, string guard)
    {
        this.process = process;
        this.guard = guard;
        BaseAddress = baseAddress;
        Output = output;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => process.Id;

    /// <summary>The last lines the node wrote (its console log).</summary>
    public OutputTail Output { get; }

    public bool HasExited => process.HasExited;

    /// <summary>
    /// Starts a node on <paramref name="port"/> (0: a free one) and waits until <c>/health/ready</c> answers 200. It runs in
    /// its own folder, as deployed, unless <paramref name="workingDirectory"/> says otherwise.
    /// </summary>
    public static async Task<NetraProcess> StartAsync(
        string postgresConnectionString, IDictionary<string, string?>? settings = null, int port = 0, string? workingDirectory = null)
    {
        port = port == 0 ? FreePort.Next() : port;
        var baseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/'),
            ["ConnectionStrings__Postgres"] = postgresConnectionString,
            ["Netra__Auth__SigningKey"] = NetraTestServer.SigningKey,
            ["Netra__Limits__RegistrationsPerMinutePerIp"] = "1000000", // as NetraTestServer
            ["Logging__Console__FormatterName"] = "simple",
            ["DOTNET_gcServer"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var output = new OutputTail();
        var serverDll = Path.Combine(AppContext.BaseDirectory, "Netra.Server.dll");
        // ASP.NET Core takes the working directory as the content root: it reads appsettings.json there and watches it for
        // changes, subfolders included. Started from /, a node walked the whole file system for that watch (about 39,000
        // inotify watches, seconds of start-up on a loaded machine) and ran without its settings file.
        var process = ProcessRunner.Start("dotnet", [serverDll], output, environment, workingDirectory ?? AppContext.BaseDirectory);
        // If the test host dies first, the node must not outlive it.
        var guard = Directory.CreateTempSubdirectory("netra-node-").FullName;
        Watchdog.Start(guard, "kill -9 \"$1\" 2>/dev/null; rm -rf \"$guard\"", process.Id.ToString(CultureInfo.InvariantCulture));
        var node = new NetraProcess(process, baseAddress, output, guard);
        try
        {
            await node.WaitUntilReadyAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL: no graceful shutdown, no closed WebSockets, no last word to Redis.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>SIGTERM, as an orchestrator stops a node in a rolling deploy: the node shuts down gracefully and exits.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>The exit code once the node exited, waiting at most <paramref name="within"/>.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan within)
    {
        await process.WaitForExitAsync().WaitAsync(within);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        process.Dispose();
        Directory.Delete(guard, recursive: true);
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress, Timeout = TestTimeouts.Network };

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The Netra node on {BaseAddress} exited with {process.ExitCode} before it was ready.\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but slow to answer while it starts.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The Netra node on {BaseAddress} was not ready within {ReadyTimeout.TotalSeconds:0} s.\n{Output}");
    }
}
