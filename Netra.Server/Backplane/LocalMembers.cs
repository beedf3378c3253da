using System.Collections;
using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Backplane;

/// <summary>
/// This node's connections in one group, of one user, or all of them. Most users have one connection open on
/// a node (one tab) and many groups have one local member, so a single connection is held as it is; a second
/// turns it into a <see cref="HubConnectionStore"/> (a concurrent dictionary: about 0.5 KiB even for one entry),
/// and the last but one leaving turns it back. Changed by one writer at a time (<see cref="LocalSubscriptions"/>
/// holds a gate); sends read it at any time. As with the store alone, a send that runs while a connection joins or
/// leaves may or may not reach it; a send that started on the store finishes on it after the switch back to one.
/// </summary>
internal sealed class LocalMembers : IEnumerable<HubConnectionContext>
{
    // null, one HubConnectionContext, or a HubConnectionStore of two or more.
    private volatile object? members;

    public LocalMembers()
    {
    }

    /// <summary>A view of a store that is changed elsewhere, never through this (the node's connections).</summary>
    public LocalMembers(HubConnectionStore store) => members = store;

    public int Count => members switch
    {
        null => 0,
        HubConnectionStore store => store.Count,
        _ => 1,
    };

    public void Add(HubConnectionContext connection)
    {
        switch (members)
        {
            case null:
                members = connection;
                break;
            case HubConnectionContext one when one != connection:
                // Filled before it is published: a send sees the one member or both.
                var store = new HubConnectionStore();
                store.Add(one);
                store.Add(connection);
                members = store;
                break;
            case HubConnectionStore many:
                many.Add(connection);
                break;
        }
    }

    public void Remove(HubConnectionContext connection)
    {
        switch (members)
        {
            case HubConnectionContext one when one == connection:
                members = null;
                break;
            case HubConnectionStore many:
                many.Remove(connection);
                if (many.Count == 1)
                {
                    foreach (var last in many)
                    {
                        members = last;
                    }
                }

                break;
        }
    }

    public Enumerator GetEnumerator() => new(members);

    IEnumerator<HubConnectionContext> IEnumerable<HubConnectionContext>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Allocation-free, like the store's own: a broadcast to a large group enumerates it once per send.</summary>
    public struct Enumerator : IEnumerator<HubConnectionContext>
    {
        private readonly object? members;
        private readonly bool isStore;
        private HubConnectionStore.Enumerator many;
        private HubConnectionContext? one;

        internal Enumerator(object? members)
        {
            this.members = members;
            isStore = members is HubConnectionStore;
            many = members is HubConnectionStore store ? store.GetEnumerator() : default;
            one = members as HubConnectionContext;
            Current = null!;
        }

        public HubConnectionContext Current { get; private set; }

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (isStore)
            {
                if (!many.MoveNext())
                {
                    return false;
                }

                Current = many.Current;
                return true;
            }

            if (one is null)
            {
                return false;
            }

            Current = one;
            one = null;
            return true;
        }

        public void Reset() => this = new Enumerator(members);

        public void Dispose()
        {
            if (isStore)
            {
                many.Dispose();
            }
        }
    }
}
