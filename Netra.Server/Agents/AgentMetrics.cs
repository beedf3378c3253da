using System.Diagnostics.Metrics;
using Netra.Server.Metrics;

namespace Netra.Server.Agents;

/// <summary>Agent-run instruments on Netra's one <c>Meter("Netra.Server")</c> (the factory hands out the same meter).</summary>
internal sealed class AgentMetrics
{
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";

    private long active;
    private readonly Counter<long> started;
    private readonly Counter<long> finished;
    private readonly Counter<long> events;

    public AgentMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(NetraMetrics.MeterName);
        // Observed, so that a listener attaching later reads the current value (see NetraMetrics).
        meter.CreateObservableUpDownCounter("netra.agent.runs.active", () => Interlocked.Read(ref active), "{run}", "Agent runs in progress on this node.");
        started = meter.CreateCounter<long>("netra.agent.runs.started", "{run}", "Agent runs started on this node, by agent.");
        finished = meter.CreateCounter<long>("netra.agent.runs.finished", "{run}", "Agent runs ended on this node, by outcome (completed, cancelled, failed).");
        events = meter.CreateCounter<long>("netra.agent.events", "{event}", "Agent events, by type, of hub runs and service pushes.");
    }

    public void RunStarted(string agent)
    {
        Interlocked.Increment(ref active);
        started.Add(1, new KeyValuePair<string, object?>("agent", agent));
    }

    public void RunFinished(string outcome)
    {
        Interlocked.Decrement(ref active);
        finished.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void EventDelivered(string type) => events.Add(1, new KeyValuePair<string, object?>("type", type));
}
