using System.Diagnostics;
using System.Globalization;

namespace Netra.Bench;

/// <summary>
/// Runs the scenarios against one <see cref="Target"/> and collects <see cref="Measurement"/>s.
/// Every loop is bounded by a count or a deadline; nothing here talks to anything but the target.
/// </summary>
public sealed partial class BenchRunner(Target target, BenchOptions options, string? label = null, TextWriter? log = null)
{
    public const string Room = "bench";

    private readonly List<Measurement> results = [];
    private readonly TextWriter log = log ?? TextWriter.Null;
    private NetraSeed? seed;

    public string System { get; } = label ?? target.System;

    public IReadOnlyList<Measurement> Results => results;

    public static readonly IReadOnlyList<string> AllScenarios = ["connect", "idle", "fanout", "rpc", "chat"];

    public async Task RunAsync(IEnumerable<string> scenarios, CancellationToken cancellationToken)
    {
        foreach (var scenario in scenarios)
        {
            var watch = Stopwatch.StartNew();
            Log($"{System}: {scenario}");
            switch (scenario)
            {
                case "connect":
                    await ConnectAsync(cancellationToken);
                    break;
                case "idle":
                    await IdleAsync(cancellationToken);
                    break;
                case "fanout":
                    await FanoutAsync(cancellationToken);
                    break;
                case "rpc":
                    await RpcAsync(cancellationToken);
                    break;
                case "chat":
                    if (target.IsNetra)
                    {
                        await ChatAsync(cancellationToken);
                    }

                    break;
                default:
                    throw new ArgumentException($"unknown scenario '{scenario}' (known: {string.Join(", ", AllScenarios)})", nameof(scenarios));
            }

            Log($"{System}: {scenario} done in {watch.Elapsed.TotalSeconds:F1} s");
        }
    }

    private void Add(string metric, string unit, double value, int rep)
    {
        results.Add(new Measurement(System, metric, unit, Math.Round(value, 3), rep + options.FirstRep - 1));
        Log(string.Create(CultureInfo.InvariantCulture, $"  {System} {metric} rep {rep}: {value:F2} {unit}"));
    }

    private void Log(string line) => log.WriteLine(line);

    private async Task<NetraSeed> SeedAsync(CancellationToken cancellationToken) =>
        seed ??= await NetraSeed.EnsureAsync(
            target.Postgres ?? throw new InvalidOperationException("Netra's fan-out and chat scenarios need --pg (its database)."),
            options.Subscribers, options.Chats, options.ChatMembers, cancellationToken);

    /// <summary>
    /// A SignalR ping every 10 s from each connection <paramref name="connections"/> gives, so that none that only listens
    /// reaches the server's client timeout (30 s) in a long scenario.
    /// </summary>
    private static async Task KeepAliveAsync(Func<BenchConnection[]> connections, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
                await Parallel.ForEachAsync(connections(), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
                    async (c, ct) => await c.SendKeepAliveAsync(ct));
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }


    /// <summary>Opens <paramref name="count"/> connections, <paramref name="concurrency"/> at a time; latency of each into <paramref name="latency"/>.</summary>
    private async Task<BenchConnection[]> OpenManyAsync(
        int count, int concurrency, Func<int, (int Node, long UserId)> who, LatencyHistogram? latency, CancellationToken cancellationToken)
    {
        var connections = new BenchConnection[count];
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                var (node, userId) = who(i);
                var started = Stopwatch.GetTimestamp();
                connections[i] = await BenchConnection.OpenAsync(target, node, userId, options.ConnectTimeout, ct);
                latency?.RecordTicks(Stopwatch.GetTimestamp() - started);
            });
        }
        catch
        {
            await CloseAllAsync(connections.Where(c => c is not null));
            throw;
        }

        return connections;
    }

    private static Task CloseAllAsync(IEnumerable<BenchConnection> connections) =>
        Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (c, _) => await c.DisposeAsync());

    /// <summary>A payload of <see cref="BenchOptions.PayloadBytes"/> characters that carries its send time ("bt:TICKS:").</summary>
    private string Payload()
    {
        var stamp = string.Create(CultureInfo.InvariantCulture, $"bt:{Stopwatch.GetTimestamp()}:");
        return stamp.PadRight(Math.Max(options.PayloadBytes, stamp.Length), 'x');
    }

    /// <summary>Reads the send time a payload carries; -1 if none.</summary>
    private static long SentAt(ReadOnlySpan<byte> frame)
    {
        var at = frame.IndexOf("bt:"u8);
        return at < 0 ? -1 : BenchConnection.ParseLeadingNumber(frame[(at + 3)..]);
    }

    private static string Quote(string text) => "\"" + text + "\"";
}
