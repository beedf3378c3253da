using System.Globalization;

namespace Netra.Server.Configuration;

/// <summary>
/// A broadcast writes to every subscriber's connection at once, and each write rents a block from
/// <c>ArrayPool&lt;byte&gt;.Shared</c> for that connection's pipe until its transport has sent it. The shared pool keeps
/// 32 arrays of a size per core: a broadcast to 1,000 connections allocated the other ~970 blocks anew and dropped them
/// as garbage again, a fifth of the server's CPU in the bench's fan-out (<c>bench/profile.sh fanout 16</c>, docs/benchmarks.md).
/// The pool reads its size from an environment variable once, when first used, so Netra sets it first thing, unless
/// the operator already has.
/// </summary>
internal static class SharedArrayPoolSize
{
    public const string Variable = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";

    /// <summary>Arrays of each size kept per core: a broadcast to this many connections per core reuses its blocks.</summary>
    public const int ArraysPerCore = 1024;

    public static void Raise()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Environment.SetEnvironmentVariable(Variable, ArraysPerCore.ToString(CultureInfo.InvariantCulture));
        }
    }
}
