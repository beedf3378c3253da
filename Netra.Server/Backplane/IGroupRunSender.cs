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
    Task SendGroupRunAsync(string groupName, string methodName, IReadOnlyList<ISequencedEvent> events, CancellationToken cancellationToken = default);
}
