using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// A throw-away PostgreSQL server: a new cluster in a temp folder, on a free port bound
/// to 127.0.0.1, tuned for tests (fsync, synchronous_commit and full_page_writes off).
/// Tests get isolation from <see cref="CreateDatabaseAsync"/>, one database each.
/// </summary>
/// <remarks>
/// Most tests want <see cref="SharedAsync"/>: one server per test process, stopped when
/// the process exits. Set <c>NETRA_TEST_POSTGRES</c> to an admin connection string to use
/// an existing server instead. When the tests run as root, initdb and pg_ctl run as the
/// <c>postgres</c> user (they refuse root), on a folder given to that user.
/// </remarks>
public sealed partial class PostgresServer : IAsyncDisposable
{
    /// <summary>Environment variable holding the admin connection string of an existing server to use.</summary>
    public const string ExternalServerVariable = "NETRA_TEST_POSTGRES";

    private const int StartAttempts = 3;
    private const int DefaultPort = 5432;
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly Lazy<Task<PostgresServer>> Shared = new(() => Task.Run(StartSharedAsync), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string? rootDirectory;
    private readonly NpgsqlConnectionStringBuilder admin;
    private int disposed;
    private bool isShared;

    private PostgresServer(string? rootDirectory, NpgsqlConnectionStringBuilder admin)
    {
        this.rootDirectory = rootDirectory;
        this.admin = admin;
    }

    /// <summary>Superuser connection string to the <c>postgres</c> database.</summary>
    public string AdminConnectionString => admin.ConnectionString;

    /// <summary>The port the server listens on (on 127.0.0.1, unless external).</summary>
    public int Port => admin.Port;

    /// <summary>The cluster's data folder; null for an external server.</summary>
    public string? DataDirectory => rootDirectory is null ? null : Path.Combine(rootDirectory, "data");

    /// <summary>The server's log file; null for an external server.</summary>
    public string? LogFile => rootDirectory is null ? null : Path.Combine(rootDirectory, "postgres.log");

    /// <summary>True when this instance started the server (false for <c>NETRA_TEST_POSTGRES</c>).</summary>
    public bool IsOwned => rootDirectory is not null;

    /// <summary>
    /// The server shared by every test in this process: started on first use, stopped when
    /// the process exits, or the one named by <c>NETRA_TEST_POSTGRES</c>. Disposing it does
    /// nothing: other tests use it too.
    /// </summary>
    public static Task<PostgresServer> SharedAsync() => Shared.Value;

    /// <summary>Starts a new server of its own; dispose it to stop it and delete its folder.</summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var root = CreateRootDirectory();
        // The port is a placeholder until StartClusterAsync finds one the server can bind.
        var server = new PostgresServer(root, AdminBuilder(DefaultPort));
        try
        {
            await ServerTools.GiveToPostgresUserAsync(root, cancellationToken).ConfigureAwait(false);
            var (stopFileName, stopArguments) = server.StopCommand();
            Watchdog.Start(root, "\"$@\"; rm -rf \"$guard\"", [stopFileName, .. stopArguments]);
            await server.InitializeClusterAsync(cancellationToken).ConfigureAwait(false);
            await server.StartClusterAsync(cancellationToken).ConfigureAwait(false);
            await server.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch (Exception startFailure)
        {
            // Leave nothing behind: a half-started server is stopped and its folder deleted.
            try
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception cleanupFailure) when (cleanupFailure is InvalidOperationException or TimeoutException or IOException)
            {
                throw new AggregateException("PostgreSQL failed to start, and cleaning up after it failed too.", startFailure, cleanupFailure);
            }

            throw;
        }
    }

    /// <summary>
    /// Creates an empty database (a unique <c>netra_test_…</c> name when <paramref name="name"/>
    /// is null) and returns a pooled connection string to it.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        name ??= $"netra_test_{Guid.NewGuid():N}";
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain database name (lower-case letters, digits, underscores; at most 63).", nameof(name));
        }

        var connection = new NpgsqlConnection(AdminConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>
    /// Takes an owned, unshared server away, keeping its data; <see cref="StartAgainAsync"/> brings it back on the same
    /// port. A fast shutdown: open connections are terminated (57P01), committed data is written out first. (An
    /// immediate one would be a crash, and with this server's fsync and synchronous_commit off it could lose the last
    /// commits, which a production server would not.)
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        EnsureOwnedAndUnshared();
        var (fileName, arguments) = StopCommand("fast");
        var stop = await ProcessRunner.RunAsync(fileName, arguments, ToolTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!stop.Succeeded)
        {
            throw new InvalidOperationException($"pg_ctl stop failed for {DataDirectory}:\n{stop.Output}");
        }
    }

    /// <summary>Starts a server stopped by <see cref="StopAsync"/> again, on the port it had, and waits until it answers.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        EnsureOwnedAndUnshared();
        var start = await RunStartAsync(Port, cancellationToken).ConfigureAwait(false);
        if (!start.Succeeded)
        {
            throw new InvalidOperationException($"PostgreSQL did not start again on 127.0.0.1:{Port}:\n{start.Output}\n--- {LogFile} ---\n{LogTail()}");
        }

        await WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the server (immediate shutdown) and deletes its folder. Nothing for an external server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (rootDirectory is null || isShared || Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        ProcessResult? stop = null;
        if (File.Exists(Path.Combine(DataDirectory!, "postmaster.pid")))
        {
            var (fileName, arguments) = StopCommand();
            stop = await ProcessRunner.RunAsync(fileName, arguments, ToolTimeout).ConfigureAwait(false);
        }

        DeleteRootDirectory();
        if (stop is { Succeeded: false })
        {
            throw new InvalidOperationException($"pg_ctl stop failed for {DataDirectory}:\n{stop.Output}");
        }
    }

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var external = Environment.GetEnvironmentVariable(ExternalServerVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            return new PostgresServer(null, new NpgsqlConnectionStringBuilder(external));
        }

        var server = await StartAsync().ConfigureAwait(false);
        server.isShared = true;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopAtProcessExit();
        return server;
    }

    private void EnsureOwnedAndUnshared()
    {
        if (rootDirectory is null || isShared)
        {
            throw new InvalidOperationException("Only a server of a test's own (StartAsync) can be stopped and started again; other tests use the shared one.");
        }
    }

    private static NpgsqlConnectionStringBuilder AdminBuilder(int port) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        Database = "postgres",
        Username = "postgres",
        Pooling = true,
    };

    // A new folder under the temp folder. As root, it must be reachable by the postgres
    // user: a private TMPDIR (e.g. under /root) is not, so /tmp is used then.
    private static string CreateRootDirectory()
    {
        var parent = Path.GetTempPath();
        if (ServerTools.IsRoot && !ServerTools.IsReachableByOthers(parent))
        {
            parent = "/tmp";
        }

        var root = Path.Combine(parent, $"netra-pg-{Guid.NewGuid():N}"[..21]);
        ServerTools.CreatePrivateDirectory(root);
        return root;
    }

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();

    private async Task InitializeClusterAsync(CancellationToken cancellationToken)
    {
        var (fileName, arguments) = ServerTools.PostgresTool(
            "initdb", "-D", DataDirectory!, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions");
        var result = await ProcessRunner.RunAsync(fileName, arguments, ToolTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"initdb failed (exit {result.ExitCode}) for {DataDirectory}:\n{result.Output}");
        }

        // Unix socket paths are limited to 107 bytes; a longer folder means TCP only.
        var socketDirectory = rootDirectory!.Length + 20 <= 100 ? rootDirectory : string.Empty;
        string[] settings =
        [
            "",
            "# Netra test server (Netra.Tests/Infrastructure/PostgresServer.cs)",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = {Quote(socketDirectory)}",
            "max_connections = 200",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
        ];
        // Writing as root keeps the files' owner (postgres): they already exist.
        await File.AppendAllLinesAsync(Path.Combine(DataDirectory!, "postgresql.conf"), settings, cancellationToken).ConfigureAwait(false);
        await File.WriteAllLinesAsync(
            Path.Combine(DataDirectory!, "pg_hba.conf"),
            [
                "local all all trust",
                "host all all 127.0.0.1/32 trust",
            ],
            cancellationToken).ConfigureAwait(false);
    }

    private async Task StartClusterAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var result = await RunStartAsync(port, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                admin.Port = port;
                return;
            }

            var log = LogTail();
            // Someone took the port between FreePort and bind: try another one.
            if (attempt < StartAttempts && log.Contains("could not bind", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            throw new InvalidOperationException(
                $"PostgreSQL did not start on 127.0.0.1:{port} (pg_ctl exit {result.ExitCode}):\n{result.Output}\n--- {LogFile} ---\n{log}");
        }
    }

    // pg_ctl -w already waits until the server accepts connections; this proves it
    // with a real query and retries briefly if the server is still coming up.
    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false, Timeout = 5, CommandTimeout = 5 }.ConnectionString;
        var deadline = DateTime.UtcNow + ReadyTimeout;
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var connection = new NpgsqlConnection(connectionString);
                await using (connection.ConfigureAwait(false))
                {
                    await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                    var command = new NpgsqlCommand("select 1", connection);
                    await using (command.ConfigureAwait(false))
                    {
                        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException)
            {
                lastError = e;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException(
            $"PostgreSQL on 127.0.0.1:{Port} did not accept connections within {ReadyTimeout.TotalSeconds:0} s.\n--- {LogFile} ---\n{LogTail()}",
            lastError);
    }

    /// <summary><c>pg_ctl start</c> on <paramref name="port"/>, waiting until the server accepts connections.</summary>
    private async Task<ProcessResult> RunStartAsync(int port, CancellationToken cancellationToken)
    {
        var (fileName, arguments) = ServerTools.PostgresTool(
            "pg_ctl", "start", "-D", DataDirectory!, "-l", LogFile!, "-w", "-t", "60", "-o", $"-p {port.ToString(CultureInfo.InvariantCulture)}");
        return await ProcessRunner.RunAsync(fileName, arguments, ToolTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private (string FileName, IReadOnlyList<string> Arguments) StopCommand(string mode = "immediate") =>
        ServerTools.PostgresTool("pg_ctl", "stop", "-D", DataDirectory!, "-m", mode, "-w", "-t", "30");

    // ProcessExit handlers cannot await, hence the synchronous twin of DisposeAsync.
    private void StopAtProcessExit()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        try
        {
            var (fileName, arguments) = StopCommand();
            var result = ProcessRunner.Run(fileName, arguments, TimeSpan.FromSeconds(30));
            if (!result.Succeeded)
            {
                Console.Error.WriteLine($"Netra tests: pg_ctl stop failed for {DataDirectory}:\n{result.Output}");
            }

            DeleteRootDirectory();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or UnauthorizedAccessException)
        {
            // Nothing to recover at process exit: say what was left behind.
            Console.Error.WriteLine($"Netra tests: could not stop the PostgreSQL test server in {rootDirectory}: {e}");
        }
    }

    private void DeleteRootDirectory()
    {
        if (Directory.Exists(rootDirectory))
        {
            Directory.Delete(rootDirectory, recursive: true);
        }
    }

    private string LogTail()
    {
        if (!File.Exists(LogFile))
        {
            return "(no log)";
        }

        var lines = File.ReadAllLines(LogFile);
        return string.Join('\n', lines.TakeLast(40));
    }
}
