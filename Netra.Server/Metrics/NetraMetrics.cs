using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Diagnostics.Metrics;

namespace Netra.Server.Metrics;

/// <summary>
/// Netra's instruments on one <c>Meter("Netra.Server")</c> (visible to <c>dotnet-counters monitor
/// -n Netra.Server --counters Netra.Server</c> and any OpenTelemetry exporter), plus the same figures
/// kept as totals for <c>GET /api/admin/stats</c>.
/// </summary>
internal sealed class NetraMetrics
{
    public const string MeterName = "Netra.Server";

    private readonly Counter<long> connectionsOpened;
    private readonly Counter<long> connectionsClosed;
    private readonly Counter<long> invocations;
    private readonly Counter<long> messagesStored;
    private readonly Counter<long> messagesBroadcast;
    private readonly Counter<long> broadcastsWaited;
    private readonly Counter<long> errors;
    private readonly Counter<long> rateLimited;
    private readonly Histogram<double> backplanePublish;
    private readonly Counter<long> backplaneFailures;
    private readonly Counter<long> backplaneDropped;
    private readonly Counter<long> backplaneJoined;
    // Per total, a counter incremented in place; keys built once per method, code or kind (bounded sets), so a hot
    // call allocates nothing here.
    private readonly ConcurrentDictionary<string, StrongBox<long>> totals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Prefix, string Name), string> keys = new();
    private long active;
    private long waiting;

    public NetraMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        // Observed, not counted: a listener that attaches to a running node (dotnet-counters) reads the current value,
        // where an UpDownCounter would show it only the changes made since it attached.
        meter.CreateObservableUpDownCounter("netra.connections.active", () => Interlocked.Read(ref active), "{connection}", "Hub connections open on this node.");
        connectionsOpened = meter.CreateCounter<long>("netra.connections.opened", "{connection}", "Hub connections accepted.");
        connectionsClosed = meter.CreateCounter<long>("netra.connections.closed", "{connection}", "Hub connections closed, by reason (normal or error).");
        invocations = meter.CreateCounter<long>("netra.hub.invocations", "{call}", "Hub method calls received, by method.");
        messagesStored = meter.CreateCounter<long>("netra.messages.stored", "{message}", "Chat messages stored (messages in).");
        messagesBroadcast = meter.CreateCounter<long>("netra.messages.broadcast", "{message}", "Chat messages broadcast to their channel (messages out).");
        meter.CreateObservableUpDownCounter("netra.chat.broadcasts.waiting", () => Interlocked.Read(ref waiting), "{broadcast}", "Chat broadcasts whose writes wait on connections that read slowly.");
        broadcastsWaited = meter.CreateCounter<long>("netra.chat.broadcasts.waited", "{broadcast}", "Chat broadcasts that had to wait on connections that read slowly.");
        errors = meter.CreateCounter<long>("netra.errors", "{error}", "Failed calls and requests, by error code.");
        rateLimited = meter.CreateCounter<long>("netra.rate_limited", "{call}", "Calls refused by a rate limit, by kind.");
        backplanePublish = meter.CreateHistogram<double>("netra.backplane.publish.duration", "ms", "Time to publish one message to the Redis backplane.");
        backplaneFailures = meter.CreateCounter<long>("netra.backplane.publish.failures", "{message}", "Backplane publishes that failed, delivered to this node's connections only.");
        backplaneDropped = meter.CreateCounter<long>("netra.backplane.receive.dropped", "{message}", "Backplane messages of another format (a node of another version on the same Redis), dropped.");
        backplaneJoined = meter.CreateCounter<long>("netra.backplane.receive.joined", "{message}", "Backplane messages of a group that waited behind another and went out joined to it, one write per connection for both.");
    }

    public long ActiveConnections => Interlocked.Read(ref active);

    public IReadOnlyDictionary<string, long> Totals =>
        new SortedDictionary<string, long>(totals.ToDictionary(pair => pair.Key, pair => Interlocked.Read(ref pair.Value.Value)), StringComparer.Ordinal);

    public void ConnectionOpened()
    {
        Interlocked.Increment(ref active);
        connectionsOpened.Add(1);
        Count("connections.opened");
    }

    public void ConnectionClosed(bool withError)
    {
        var reason = withError ? "error" : "normal";
        Interlocked.Decrement(ref active);
        connectionsClosed.Add(1, new KeyValuePair<string, object?>("reason", reason));
        Count(withError ? "connections.closed.error" : "connections.closed.normal");
    }

    public void Invoked(string method)
    {
        invocations.Add(1, new KeyValuePair<string, object?>("method", method));
        Count(Key("hub.invocations.", method));
    }

    public void MessageStored()
    {
        messagesStored.Add(1);
        Count("messages.stored");
    }

    public void MessageBroadcast(int count = 1)
    {
        messagesBroadcast.Add(count);
        Count("messages.broadcast", count);
    }

    public void BroadcastStartedWaiting()
    {
        Interlocked.Increment(ref waiting);
        broadcastsWaited.Add(1);
        Count("chat.broadcasts.waited");
    }

    public void BroadcastStoppedWaiting() => Interlocked.Decrement(ref waiting);

    public void Error(string code)
    {
        errors.Add(1, new KeyValuePair<string, object?>("code", code));
        Count(Key("errors.", code));
    }

    public void RateLimited(string kind)
    {
        rateLimited.Add(1, new KeyValuePair<string, object?>("kind", kind));
        Count(Key("rate_limited.", kind));
    }

    public void BackplanePublished(TimeSpan elapsed)
    {
        backplanePublish.Record(elapsed.TotalMilliseconds);
        Count("backplane.publishes");
    }

    public void BackplanePublishFailed()
    {
        backplaneFailures.Add(1);
        Count("backplane.publish_failures");
    }

    public void BackplaneReceiveDropped()
    {
        backplaneDropped.Add(1);
        Count("backplane.receive_dropped");
    }

    public void BackplaneReceiveJoined(int messages)
    {
        backplaneJoined.Add(messages);
        Count("backplane.receive_joined", messages);
    }

    private void Count(string name, long count = 1) => Interlocked.Add(ref totals.GetOrAdd(name, static _ => new StrongBox<long>()).Value, count);

    private string Key(string prefix, string name) => keys.GetOrAdd((prefix, name), static key => key.Prefix + key.Name);
}
