using System.Collections.Concurrent;

namespace Netra.Server.Backplane;

/// <summary>Pending group commands of this node, completed when the node that holds the connection acknowledges them.</summary>
internal sealed class AckHandler
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> pending = new();
    private int lastId;

    public (int Id, Task Acknowledged) Create()
    {
        var id = Interlocked.Increment(ref lastId);
        var acknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = acknowledged;
        return (id, acknowledged.Task);
    }

    public void Acknowledge(int id)
    {
        if (pending.TryRemove(id, out var acknowledged))
        {
            acknowledged.TrySetResult();
        }
    }

    public void Forget(int id) => pending.TryRemove(id, out _);

    public void CancelAll()
    {
        foreach (var id in pending.Keys)
        {
            if (pending.TryRemove(id, out var acknowledged))
            {
                acknowledged.TrySetCanceled();
            }
        }
    }
}
