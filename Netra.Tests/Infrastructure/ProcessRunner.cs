using System.Diagnostics;

namespace Netra.Tests.Infrastructure;

/// <summary>Starts processes with their output captured, and runs short-lived tools to completion.</summary>
internal static class ProcessRunner
{
    /// <summary>
    /// Starts <paramref name="fileName"/> with stdout and stderr going, line by line, to
    /// <paramref name="output"/>. The working directory is / unless <paramref name="workingDirectory"/>
    /// says otherwise, so that a tool run as another user never trips over a folder it cannot read.
    /// </summary>
    public static Process Start(
        string fileName,
        IEnumerable<string> arguments,
        OutputTail output,
        IReadOnlyDictionary<string, string?>? environment = null,
        string workingDirectory = "/")
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start {fileName}: {e.Message}", e);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs a tool to completion; kills it and throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, string workingDirectory = "/", CancellationToken cancellationToken = default)
    {
        var output = new OutputTail();
        using var process = Start(fileName, arguments, output, workingDirectory: workingDirectory);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{Describe(fileName, arguments)} did not finish in {timeout.TotalSeconds:0} s.\n{output}");
        }

        return new ProcessResult(process.ExitCode, output.ToString());
    }

    /// <summary>Synchronous <see cref="RunAsync"/>, for process-exit handlers, which cannot await.</summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var output = new OutputTail();
        using var process = Start(fileName, arguments, output);
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Describe(fileName, arguments)} did not finish in {timeout.TotalSeconds:0} s.\n{output}");
        }

        // The parameterless overload also waits for the redirected output to drain.
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, output.ToString());
    }

    public static string Describe(string fileName, IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Prepend(fileName));
}
