using System.Globalization;

namespace Netra.Tests.Infrastructure;

/// <summary>Where the PostgreSQL and Redis binaries are, and how to run PostgreSQL's tools.</summary>
internal static class ServerTools
{
    private const string PostgresUser = "postgres";
    private const string InstallHint = "Run ./test.sh once (it installs what is missing) or apt-get install postgresql redis-server.";

    private static readonly Lazy<bool> Root = new(ReadIsRoot);

    /// <summary>True when this process runs as root (effective uid 0).</summary>
    public static bool IsRoot => Root.Value;

    /// <summary>The newest /usr/lib/postgresql/N/bin, else the folder of initdb on PATH.</summary>
    public static string PostgresBinDirectory()
    {
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.EnumerateDirectories(debianRoot)
                .Select(dir => (Dir: Path.Combine(dir, "bin"), Version: ParseVersion(Path.GetFileName(dir))))
                .Where(candidate => File.Exists(Path.Combine(candidate.Dir, "initdb")) && File.Exists(Path.Combine(candidate.Dir, "pg_ctl")))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Dir)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        var onPath = FindOnPath("initdb");
        return onPath is not null
            ? Path.GetDirectoryName(onPath)!
            : throw new InvalidOperationException($"PostgreSQL binaries (initdb, pg_ctl) not found under {debianRoot}/*/bin or on PATH. {InstallHint}");
    }

    /// <summary>The redis-server executable.</summary>
    public static string RedisServerPath() =>
        FindOnPath("redis-server")
        ?? (File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : null)
        ?? throw new InvalidOperationException($"redis-server not found on PATH. {InstallHint}");

    /// <summary>
    /// The command line that runs a PostgreSQL tool: as the postgres user through
    /// <c>runuser</c> when we are root (initdb, pg_ctl and postgres refuse to run as root),
    /// as ourselves otherwise.
    /// </summary>
    public static (string FileName, IReadOnlyList<string> Arguments) PostgresTool(string tool, params string[] arguments)
    {
        var path = Path.Combine(PostgresBinDirectory(), tool);
        return IsRoot
            ? ("runuser", ["-u", PostgresUser, "--", path, .. arguments])
            : (path, arguments);
    }

    /// <summary>Gives a folder we created to the postgres user when we are root.</summary>
    public static async Task GiveToPostgresUserAsync(string directory, CancellationToken cancellationToken)
    {
        if (!IsRoot)
        {
            return;
        }

        var result = await ProcessRunner.RunAsync("chown", [$"{PostgresUser}:{PostgresUser}", directory], TimeSpan.FromSeconds(30), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"chown {PostgresUser} {directory} failed (is there a '{PostgresUser}' user?):\n{result.Output}");
        }
    }

    /// <summary>Creates a folder only its owner can enter (mode 700 outside Windows).</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>
    /// True when users other than the owner can reach <paramref name="directory"/>
    /// through every parent (each has o+x), as the postgres user must when we are root.
    /// </summary>
    public static bool IsReachableByOthers(string directory)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(directory)); dir is not null; dir = dir.Parent)
        {
            if (!dir.Exists || (dir.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static Version ParseVersion(string name) =>
        Version.TryParse(name.Contains('.', StringComparison.Ordinal) ? name : name + ".0", out var version) ? version : new Version(0, 0);

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    // Effective uid from /proc (Linux); "Uid:" lists real, effective, saved and fs uids.
    private static bool ReadIsRoot()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
        {
            var uids = File.ReadLines(status).FirstOrDefault(line => line.StartsWith("Uid:", StringComparison.Ordinal));
            var fields = uids?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields is { Length: >= 3 })
            {
                return int.Parse(fields[2], CultureInfo.InvariantCulture) == 0;
            }
        }

        return Environment.UserName == "root";
    }
}
