namespace Netra.Bench;

public sealed partial class BenchRunner
{
    /// <summary>rpc: C connections each calling Ping (peers: echo) one call at a time; calls/s and p50/p99.</summary>
    private async Task RpcAsync(CancellationToken cancellationToken)
    {
        var connections = await OpenManyAsync(options.RpcConnections, 32, i => (0, 4_000_000 + i), null, cancellationToken);
        try
        {
            var (method, args) = target.System switch
            {
                Target.Netra => ("Ping", "[]"),
                Target.Stock => ("Echo", "[\"hello\"]"),
                _ => ("echo", "[\"hello\"]"),
            };
            var meter = new DeliveryMeter(target.Received);
            for (var rep = 1; rep <= options.Reps; rep++)
            {
                // One worker per connection: worker i always calls on connection i.
                var measured = await DriveAsync(connections.Length, i => connections[i].InvokeAsync(method, args, cancellationToken), meter, cancellationToken);
                Add("rpc.rate", "calls/s", meter.Calls / measured.Seconds, rep);
                Add("rpc.p50", "ms", meter.CallLatency.PercentileMs(0.50), rep);
                Add("rpc.p99", "ms", meter.CallLatency.PercentileMs(0.99), rep);
                AddCpu("rpc", measured, meter.Calls, "calls per CPU-s", rep);
            }
        }
        finally
        {
            await CloseAllAsync(connections);
        }
    }
}
