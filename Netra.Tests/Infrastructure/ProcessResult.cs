namespace Netra.Tests.Infrastructure;

/// <summary>How a short-lived process ended and the tail of what it printed.</summary>
internal sealed record ProcessResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}
