using System.Collections.Concurrent;

namespace Netra.Server.Backplane;

/// <summary>
/// The local connections of each group (or user), reference-counted: a group's Redis channel is
/// subscribed when the first local connection joins and unsubscribed when the last one leaves. Users have no channel of
/// their own (sends to users travel on one node-wide channel), so their joins and leaves pass no callback.
/// </summary>
internal sealed class LocalSubscriptions : IDisposable
{
    private readonly ConcurrentDictionary<string, LocalMembers> stores = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);

    public LocalMembers? Get(string key) => stores.TryGetValue(key, out var store) ? store : null;

    public int Count => stores.Count;

    public async Task AddAsync(string key, ConnectionGroupsFeature member, Func<string, Task>? subscribe = null)
    {
        // Not cancellable: the count and the Redis subscription must stay in step.
        await gate.WaitAsync(CancellationToken.None);
        try
        {
            var store = stores.GetOrAdd(key, _ => new LocalMembers());
            store.Add(member);
            if (store.Count == 1 && subscribe is not null)
            {
                await subscribe(key);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task RemoveAsync(string key, ConnectionGroupsFeature member, Func<string, Task>? unsubscribe = null)
    {
        await gate.WaitAsync(CancellationToken.None);
        try
        {
            if (!stores.TryGetValue(key, out var store))
            {
                return;
            }

            store.Remove(member);
            if (store.Count == 0)
            {
                stores.TryRemove(key, out _);
                if (unsubscribe is not null)
                {
                    await unsubscribe(key);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();
}
