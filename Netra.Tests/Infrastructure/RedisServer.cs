using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// A throw-away redis-server on a free port bound to 127.0.0.1, without persistence,
/// run as a child process (not daemonized) so that it can be killed and restarted on the
/// same port: failover tests take it away with <see cref="StopAsync"/> and bring it back
/// with <see cref="RestartAsync"/>.
/// </summary>
/// <remarks>
/// Most tests want <see cref="SharedAsync"/>: one server per test process, killed when the
/// process exits. Tests that stop Redis must start their own with <see cref="StartAsync"/>.
/// Set <c>NETRA_TEST_REDIS</c> to <c>host:port</c> to use an existing server instead.
/// </remarks>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>Environment variable holding <c>host:port</c> of an existing server to use.</summary>
    public const string ExternalServerVariable = "NETRA_TEST_REDIS";

    private const int StartAttempts = 3;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);
    private static readonly byte[] PingCommand = "*1\r\n$4\r\nPING\r\n"u8.ToArray();
    // Run by the watchdog if the test process dies: kill the redis-server of the folder,
    // if the pid in its pidfile still is one, and delete the folder.
    private const string KillFromPidFile = """
        pid=$(cat "$guard/redis.pid" 2>/dev/null)
        if [ -n "$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = redis-server ]; then kill -9 "$pid"; fi
        rm -rf "$guard"
        """;

    private static readonly Lazy<Task<RedisServer>> Shared = new(() => Task.Run(StartSharedAsync), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string? directory;
    private readonly SemaphoreSlim gate = new(1, 1);
    private OutputTail output = new();
    private Process? process;
    private bool disposed;
    private bool isShared;

    private RedisServer(string? directory, string host, int port)
    {
        this.directory = directory;
        Host = host;
        Port = port;
    }

    /// <summary>The host it listens on: 127.0.0.1 unless external.</summary>
    public string Host { get; }

    /// <summary>The port it listens on; it stays the same across <see cref="RestartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:PORT</c>, the form <c>ConnectionStrings__Redis</c> takes.</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    /// <summary>The server's working folder (<c>--dir</c>); null for an external server.</summary>
    public string? DataDirectory => directory;

    /// <summary>True when this instance started the server (false for <c>NETRA_TEST_REDIS</c>).</summary>
    public bool IsOwned => directory is not null;

    /// <summary>
    /// The server shared by every test in this process: started on first use, killed when the
    /// process exits, or the one named by <c>NETRA_TEST_REDIS</c>. Other tests use it too, so
    /// it cannot be stopped or restarted, and disposing it does nothing.
    /// </summary>
    public static Task<RedisServer> SharedAsync() => Shared.Value;

    /// <summary>Starts a new server of its own; dispose it to kill it and delete its folder.</summary>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"netra-redis-{Guid.NewGuid():N}"[..24]);
        ServerTools.CreatePrivateDirectory(folder);
        var server = new RedisServer(folder, "127.0.0.1", 0);
        try
        {
            Watchdog.Start(folder, KillFromPidFile);
            for (var attempt = 1; ; attempt++)
            {
                server.Port = FreePort.Next();
                try
                {
                    await server.LaunchAsync(cancellationToken).ConfigureAwait(false);
                    return server;
                }
                catch (InvalidOperationException e) when (attempt < StartAttempts && e.Message.Contains("Address already in use", StringComparison.Ordinal))
                {
                    // Someone took the port between FreePort and bind: try another one.
                }
            }
        }
        catch (Exception startFailure)
        {
            try
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception cleanupFailure) when (cleanupFailure is InvalidOperationException or IOException or TimeoutException)
            {
                throw new AggregateException("Redis failed to start, and cleaning up after it failed too.", startFailure, cleanupFailure);
            }

            throw;
        }
    }

    /// <summary>Kills the server (as a crash would). <see cref="RestartAsync"/> brings it back on the same port, which nothing holds meanwhile.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        EnsureOwned();
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await KillAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Starts the server again on the same port (stopping it first if it runs).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        EnsureOwned();
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            await KillAsync(cancellationToken).ConfigureAwait(false);
            await LaunchAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Kills the server and deletes its folder. Nothing for an external server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (directory is null || isShared)
        {
            return;
        }

        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            await KillAsync(CancellationToken.None).ConfigureAwait(false);
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task<RedisServer> StartSharedAsync()
    {
        var external = Environment.GetEnvironmentVariable(ExternalServerVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            // host:port, optionally followed by StackExchange.Redis options (",password=...").
            var endpoint = external.Split(',')[0].Trim();
            var colon = endpoint.LastIndexOf(':');
            return colon > 0 && int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                ? new RedisServer(null, endpoint[..colon], port)
                : throw new InvalidOperationException($"{ExternalServerVariable} must be host:port, not '{external}'.");
        }

        var server = await StartAsync().ConfigureAwait(false);
        server.isShared = true;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.KillAtProcessExit();
        return server;
    }

    private static async Task<bool> AnswersPingAsync(int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync(PingCommand, timeout.Token).ConfigureAwait(false);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private void EnsureOwned()
    {
        if (directory is null)
        {
            throw new InvalidOperationException($"This Redis server ({ConnectionString}, from {ExternalServerVariable}) was not started by the tests and cannot be stopped or restarted by them.");
        }

        if (isShared)
        {
            throw new InvalidOperationException("The shared Redis server cannot be stopped or restarted: other tests use it. Start one of your own with RedisServer.StartAsync().");
        }
    }

    // Starts redis-server on Port and waits until it answers PING; throws with its output if it exits or never answers.
    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        output = new OutputTail();
        string[] arguments =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--protected-mode", "yes",
            "--save", string.Empty,
            "--appendonly", "no",
            "--dir", directory!,
            "--pidfile", Path.Combine(directory!, "redis.pid"),
            "--daemonize", "no",
            "--logfile", string.Empty,
        ];
        process = ProcessRunner.Start(ServerTools.RedisServerPath(), arguments, output);

        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                var exitCode = process.ExitCode;
                process.Dispose();
                process = null;
                throw new InvalidOperationException($"redis-server exited with code {exitCode} on 127.0.0.1:{Port}:\n{output}");
            }

            if (await AnswersPingAsync(Port, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }

        await KillAsync(cancellationToken).ConfigureAwait(false);
        throw new TimeoutException($"redis-server did not answer PING on 127.0.0.1:{Port} within {ReadyTimeout.TotalSeconds:0} s:\n{output}");
    }

    private async Task KillAsync(CancellationToken cancellationToken)
    {
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill();
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ExitTimeout);
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        process.Dispose();
        process = null;
    }

    // ProcessExit handlers cannot await, hence the synchronous twin of DisposeAsync.
    private void KillAtProcessExit()
    {
        var running = process;
        if (running is null)
        {
            return;
        }

        try
        {
            if (!running.HasExited)
            {
                running.Kill();
                running.WaitForExit(ExitTimeout);
            }

            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // Nothing to recover at process exit: say what was left behind.
            Console.Error.WriteLine($"Netra tests: could not stop the Redis test server on {ConnectionString}: {e}");
        }
    }
}
