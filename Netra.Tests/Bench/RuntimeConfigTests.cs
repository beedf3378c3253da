using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace Netra.Tests.Bench;

/// <summary>
/// The server's runtime configuration, as built next to the tests (the file <c>dotnet Netra.Server.dll</c> reads).
/// Under one-core pinning, tiered compilation would wait for a quiet second that a loaded server never has, and
/// Netra would run on unoptimized code for its whole life (docs/benchmarks.md).
/// </summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void TheServerCountsCallsForTierOneFromTheFirstCall()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Netra.Server.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));

        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        properties.TryGetProperty("System.Runtime.TieredCompilation.CallCountingDelayMs", out var delay).Should().BeTrue();
        delay.ValueKind.Should().Be(JsonValueKind.Number);
        delay.GetInt32().Should().Be(0);
    }
}
