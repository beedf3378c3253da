using FluentAssertions;
using Netra.Server.Configuration;
using Xunit;

namespace Netra.Tests.Realtime;

/// <summary>
/// Netra raises the shared array pool's size at start-up (what that buys is measured by bench/profile.sh, not here), and
/// leaves a value the operator set alone.
/// </summary>
public sealed class SharedArrayPoolSizeTests
{
    [Fact]
    public void RaiseSetsThePoolSizeWhenUnsetAndKeepsAnOperatorsValue()
    {
        var before = Environment.GetEnvironmentVariable(SharedArrayPoolSize.Variable);
        try
        {
            Environment.SetEnvironmentVariable(SharedArrayPoolSize.Variable, null);
            SharedArrayPoolSize.Raise();
            Environment.GetEnvironmentVariable(SharedArrayPoolSize.Variable).Should().Be("1024");

            Environment.SetEnvironmentVariable(SharedArrayPoolSize.Variable, "64");
            SharedArrayPoolSize.Raise();
            Environment.GetEnvironmentVariable(SharedArrayPoolSize.Variable).Should().Be("64", "an operator's value stays");
        }
        finally
        {
            Environment.SetEnvironmentVariable(SharedArrayPoolSize.Variable, before);
        }
    }
}
