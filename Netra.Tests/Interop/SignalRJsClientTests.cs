using System.Diagnostics;
using System.Globalization;
using System.Text;
using FluentAssertions;
using Netra.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Netra.Tests.Interop;

/// <summary>
/// Runs <c>interop/signalr-js/interop.test.mjs</c>: the official <c>@microsoft/signalr</c> npm package,
/// in Node, against a real Netra node, using only the names in DESIGN.md's wire contract. Node is
/// required: without it this test fails rather than skips, because the proof would be missing.
/// </summary>
public sealed class SignalRJsClientTests(ServerFixture fixture, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private const string InteropFolder = "interop/signalr-js";
    private const string TestScript = "interop.test.mjs";
    private static readonly TimeSpan NpmCiTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan NodeTestTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TheOfficialSignalRJavaScriptClientInNodeUsesNetraWithOnlyTheWireContractNames()
    {
        var node = FindOnPath("node");
        node.Should().NotBeNull(
            "this test runs the official @microsoft/signalr client in Node.js, and `node` is not on PATH ({0}); "
            + "install Node.js 20 or later with npm (e.g. `apt-get install nodejs npm`) and run it again",
            Environment.GetEnvironmentVariable("PATH"));

        var folder = Path.Combine(Repository.Root, InteropFolder);
        var version = await RunAsync(node!, ["--version"], folder, environment: null, VersionTimeout);
        version.ExitCode.Should().Be(0, "`node --version` should work:\n{0}", version.Output);

        await EnsureDependenciesAsync(folder);

        var netraUrl = fixture.Server.BaseAddress.GetLeftPart(UriPartial.Authority);
        var stopwatch = Stopwatch.StartNew();
        var result = await RunAsync(
            node!,
            ["--test", "--test-reporter=spec", TestScript],
            folder,
            new Dictionary<string, string> { ["NETRA_URL"] = netraUrl, ["NO_COLOR"] = "1" },
            NodeTestTimeout);
        var report = string.Create(
            CultureInfo.InvariantCulture,
            $"node {version.Output.Trim()} --test {TestScript} against {netraUrl}: exit {result.ExitCode} after {stopwatch.Elapsed.TotalSeconds:0.0} s{(result.TimedOut ? $" (killed: no exit within {NodeTestTimeout.TotalSeconds:0} s)" : "")}\n{result.Output}");
        output.WriteLine(report);

        result.TimedOut.Should().BeFalse("node should finish within {0} s:\n{1}", NodeTestTimeout.TotalSeconds, report);
        result.ExitCode.Should().Be(0, "every Node test of the official JS client should pass:\n{0}", report);
    }

    /// <summary>Runs <c>npm ci</c> when <c>node_modules</c> is missing or older than <c>package-lock.json</c>.</summary>
    private async Task EnsureDependenciesAsync(string folder)
    {
        var modules = Path.Combine(folder, "node_modules");
        var lockFile = Path.Combine(folder, "package-lock.json");
        File.Exists(lockFile).Should().BeTrue("{0} is committed so that `npm ci` is reproducible", lockFile);
        if (Directory.Exists(modules) && Directory.GetLastWriteTimeUtc(modules) >= File.GetLastWriteTimeUtc(lockFile))
        {
            return;
        }

        var npm = FindOnPath("npm");
        npm.Should().NotBeNull("`npm` is needed to install {0}'s dependencies and it is not on PATH ({1})", folder, Environment.GetEnvironmentVariable("PATH"));
        var install = await RunAsync(npm!, ["ci", "--no-audit", "--no-fund"], folder, environment: null, NpmCiTimeout);
        var report = $"npm ci in {folder}: exit {install.ExitCode}{(install.TimedOut ? " (killed: timed out)" : "")}\n{install.Output}";
        output.WriteLine(report);
        install.TimedOut.Should().BeFalse("`npm ci` should finish within {0} s:\n{1}", NpmCiTimeout.TotalSeconds, report);
        install.ExitCode.Should().Be(0, "`npm ci` should install the pinned @microsoft/signalr:\n{0}", report);

        // npm ci recreates the folder, but make "newer than the lock file" hold even on coarse clocks.
        Directory.SetLastWriteTimeUtc(modules, DateTime.UtcNow);
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs a program to completion in <paramref name="workingDirectory"/>, capturing stdout and stderr
    /// interleaved; after <paramref name="timeout"/> it kills the whole process tree and reports TimedOut.
    /// </summary>
    private static async Task<RunResult> RunAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, IDictionary<string, string>? environment, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        var captured = new StringBuilder();
        var gate = new Lock();
        void Capture(string? line)
        {
            if (line is not null)
            {
                lock (gate)
                {
                    captured.AppendLine(line);
                }
            }
        }

        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var timedOut = false;
        using (var deadline = new CancellationTokenSource(timeout))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
            }
        }

        // Waits for the exit and for the redirected output to drain (bounded, in case a grandchild keeps a pipe open).
        using (var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await process.WaitForExitAsync(drain.Token);
            }
            catch (OperationCanceledException)
            {
                Capture("(output did not drain within 10 s)");
            }
        }

        lock (gate)
        {
            return new RunResult(process.HasExited ? process.ExitCode : -1, timedOut, captured.ToString());
        }
    }

    private sealed record RunResult(int ExitCode, bool TimedOut, string Output);
}
