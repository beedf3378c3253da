using System.Diagnostics;
using System.Globalization;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// Cleans up after a test server when the test process dies without doing it itself.
/// </summary>
/// <remarks>
/// The test host can be killed (vstest kills it moments after the run, often while
/// ProcessExit handlers are still stopping servers; a crash or a timeout kills it
/// outright), and PostgreSQL started by pg_ctl does not die with it. So every server we
/// start gets a small detached shell that polls this process and, once it is gone, runs a
/// cleanup command, unless the guard folder is already gone, which means we cleaned up.
/// </remarks>
internal static class Watchdog
{
    private const string Script = """
        parent=$1; guard=$2; cleanup=$3; shift 3
        while kill -0 "$parent" 2>/dev/null; do
          [ -e "$guard" ] || exit 0
          sleep 0.5
        done
        [ -e "$guard" ] || exit 0
        eval "$cleanup"
        """;

    /// <summary>
    /// Starts a watchdog for <paramref name="guard"/>. <paramref name="cleanup"/> is a sh
    /// snippet that sees the guard as <c>$guard</c> and <paramref name="arguments"/> as <c>"$@"</c>.
    /// </summary>
    public static void Start(string guard, string cleanup, params string[] arguments)
    {
        // The outer sh starts the watchdog in the background and exits at once, so the
        // watchdog belongs to init, not to us: killing our process tree leaves it running.
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        string[] argumentList =
        [
            "-c", "nohup /bin/sh -c \"$0\" netra-watchdog \"$@\" </dev/null >/dev/null 2>&1 &",
            Script,
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            guard,
            cleanup,
            .. arguments,
        ];
        foreach (var argument in argumentList)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var launcher = Process.Start(startInfo)
            ?? throw new InvalidOperationException("Could not start /bin/sh for the test server watchdog.");
        launcher.StandardInput.Close();
        if (!launcher.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            launcher.Kill();
            throw new InvalidOperationException("The test server watchdog did not start within 10 s.");
        }

        if (launcher.ExitCode != 0)
        {
            throw new InvalidOperationException($"The test server watchdog did not start (exit {launcher.ExitCode}): {launcher.StandardError.ReadToEnd()}");
        }
    }
}
