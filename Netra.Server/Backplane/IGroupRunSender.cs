using Netra.Contracts.Realtime;

namespace Netra.Server.Backplane;

/// <summary>
/// Sends a run of durable events of one group, consecutive seqs, as one write to each member connection
/// (one flush and one WebSocket message for the run, where one each would cost a send each). Each
/// connection's cursor still sees every seq: one that is catching up or already has some of them takes
/// the run one event at a time. Implemented by <see cref="NetraHubLifetimeManager{THub}"/> for the hub.
/// </summary>
internal interface IGroupRunSender
{
    /// <summary>
    /// Issues the run to the group's connections (and publishes it to the other nodes). Completes once every local
    /// connection has it in its pipe or queued behind its earlier writes, so a run issued after it reaches each connection
    /// after it; its result, the writes, completes once every connection has taken it (a slow reader holds that up).
    /// </summary>
    ValueTask<Task> SendGroupRunAsync(string groupName, string methodName, IReadOnlyList<ISequencedEvent> events, CancellationToken cancellationToken = default);
}
