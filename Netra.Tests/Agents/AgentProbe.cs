using System.Collections.Concurrent;

namespace Netra.Tests.Agents;

/// <summary>
/// What the test agents report to the tests, per prompt (each test uses prompts of its own): that a
/// run reached its gate, that its cancellation token fired; and the gate a test opens to let it finish.
/// </summary>
public sealed class AgentProbe
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> waiting = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> cancelled = new(StringComparer.Ordinal);

    public TaskCompletionSource Gate(string prompt) => Get(gates, prompt);

    /// <summary>Completes when a run with this prompt waits at its gate.</summary>
    public TaskCompletionSource Waiting(string prompt) => Get(waiting, prompt);

    /// <summary>Completes when the cancellation token of a run with this prompt fired.</summary>
    public TaskCompletionSource Cancelled(string prompt) => Get(cancelled, prompt);

    private static TaskCompletionSource Get(ConcurrentDictionary<string, TaskCompletionSource> map, string prompt) =>
        map.GetOrAdd(prompt, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
