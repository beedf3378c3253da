using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using Netra.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Netra.Tests.Metrics;

/// <summary>
/// <c>dotnet-counters</c> (pinned in .config/dotnet-tools.json, restored by test.sh) reads the Meter <c>Netra.Server</c>
/// of a node running as deployed, in a process of its own, while a user chats.
/// </summary>
public sealed class DotnetCountersTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task DotnetCountersShowsTheNodesConnectionsCallsAndMessages()
    {
        var postgres = await PostgresServer.SharedAsync();
        // The user sends until the tool has collected, however long it takes to attach: more than the default 60 a minute.
        await using var node = await NetraProcess.StartAsync(
            await postgres.CreateDatabaseAsync(), new Dictionary<string, string?> { ["Netra:Limits:MessagesPerMinute"] = "100000" });
        var api = new NetraApi(node);
        var (alice, bob) = (await api.CreateUserAsync("counted"), await api.CreateUserAsync("reader"));
        var chat = await api.CreateChatAsync(alice, bob);
        await using var sender = await UserClient.ConnectAsync(node, alice);
        await using var reader = await UserClient.ConnectAsync(node, bob);
        var file = Path.Combine(Path.GetTempPath(), $"netra-counters-{Guid.NewGuid():N}.json");
        try
        {
            var collect = ProcessRunner.RunAsync(
                "dotnet",
                ["tool", "run", "dotnet-counters", "collect", "-p", node.ProcessId.ToString(CultureInfo.InvariantCulture), "--counters", "Netra.Server",
                    "--format", "json", "-o", file, "--refresh-interval", "1", "--duration", Window.ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture)],
                Window + TimeSpan.FromSeconds(60),
                workingDirectory: Repository.Root);
            // Messages until the tool is done (a counter shows what happened in each interval), ten a second, at most 1,000.
            for (var i = 0; i < 1000 && !collect.IsCompleted; i++)
            {
                await sender.SendAsync(chat.Id, $"m{i}");
                await Task.Delay(100);
            }

            var result = await collect;
            result.Succeeded.Should().BeTrue("dotnet-counters should collect (run ./test.sh, which restores it with `dotnet tool restore`):\n{0}", result.Output);
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            var events = document.RootElement.GetProperty("Events").EnumerateArray()
                .Select(e => (Provider: e.GetProperty("provider").GetString(), Name: e.GetProperty("name").GetString()!, Value: e.GetProperty("value").GetDouble()))
                .ToList();
            output.WriteLine(string.Join('\n', events.Select(e => $"{e.Provider} {e.Name} {e.Value}").Distinct().Take(40)));

            events.Should().OnlyContain(e => e.Provider == "Netra.Server");
            Max(events, "netra.connections.active").Should().Be(2, "two users are connected");
            Max(events, "netra.hub.invocations").Should().BePositive();
            Max(events, "netra.messages.stored").Should().BePositive();
            Max(events, "netra.messages.broadcast").Should().BePositive();
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The largest value shown for an instrument (its name is followed by its unit, and tags where it has them).</summary>
    private static double Max(IEnumerable<(string? Provider, string Name, double Value)> events, string instrument) =>
        events.Where(e => e.Name.StartsWith(instrument + " ", StringComparison.Ordinal)).Select(e => e.Value).DefaultIfEmpty(double.NaN).Max();
}
