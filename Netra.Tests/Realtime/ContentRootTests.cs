using FluentAssertions;
using Microsoft.Extensions.Logging;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Realtime;

/// <summary>
/// A node reads appsettings.json from its content root, the folder it is started in. Started elsewhere (a systemd unit
/// without WorkingDirectory= starts in /), it says so at start-up instead of running on defaults in silence.
/// </summary>
public sealed class ContentRootTests
{
    private const string Warning = "No appsettings.json in the content root";

    [Fact]
    public async Task ANodeStartedOutsideItsFolderWarnsThatItRunsWithoutItsSettingsFile()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var elsewhere = Directory.CreateTempSubdirectory("netra-elsewhere-");
        try
        {
            // Without appsettings.json, Npgsql logs every command at Information, which would push the warning out of the tail.
            var quietNpgsql = new Dictionary<string, string?> { ["Logging:LogLevel:Npgsql"] = "Warning" };
            await using var node = await NetraProcess.StartAsync(database, quietNpgsql, workingDirectory: elsewhere.FullName);

            await Eventually.UntilAsync(() => node.Output.ToString().Contains(Warning, StringComparison.Ordinal));
            var line = node.Output.ToString().Split('\n').SkipWhile(l => !l.Contains(Warning, StringComparison.Ordinal)).First();
            line.Should().Contain(elsewhere.FullName).And.Contain("--contentRoot " + AppContext.BaseDirectory);
            using var http = node.CreateHttpClient();
            (await http.GetAsync("/health/ready")).IsSuccessStatusCode.Should().BeTrue("the warning does not stop the node");
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ANodeStartedInItsFolderDoesNotWarn()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        System.IO.File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")).Should().BeTrue("the test host runs in the build folder");

        await using var server = await NetraTestServer.StartAsync(database);

        server.Logs.Lines.Should().NotContain(line => line.Level == LogLevel.Warning && line.Message.Contains(Warning, StringComparison.Ordinal));
        server.Logs.Lines.Should().Contain(line => line.Message.Contains("migration", StringComparison.OrdinalIgnoreCase), "the start-up logs were captured");
    }
}
