using System.Collections;
using System.Collections.Concurrent;

namespace Netra.Server.Backplane;

/// <summary>
/// This node's connections in one group, of one user, or all of them, each as its <see cref="ConnectionGroupsFeature"/>
/// (which a group send needs for every member: held here, it is not looked up in the connection's features once per
/// delivery). Most users have one connection open on a node (one tab) and many groups have one local member, so a
/// single member is held as it is; a second turns it into a concurrent dictionary by connection id (about 0.5 KiB
/// even for one entry), and the last but one leaving turns it back. Changed by one writer at a time
/// (<see cref="LocalSubscriptions"/> holds a gate); the node's connections, which SignalR adds and removes from many
/// threads at once, are <see cref="Shared"/>: the dictionary from the start, never switched. Sends read it at any time.
/// A send that runs while a connection joins or leaves may or may not reach it; a send that started on the dictionary
/// finishes on it after the switch back to one.
/// </summary>
internal sealed class LocalMembers : IEnumerable<ConnectionGroupsFeature>
{
    private readonly bool shared;

    // null, one ConnectionGroupsFeature, or a dictionary of two or more by connection id.
    private volatile object? members;

    public LocalMembers()
    {
    }

    private LocalMembers(bool shared)
    {
        this.shared = shared;
        members = new ConcurrentDictionary<string, ConnectionGroupsFeature>(StringComparer.Ordinal);
    }

    /// <summary>Members that many writers add and remove at once (the node's connections): always the dictionary.</summary>
    public static LocalMembers Shared() => new(shared: true);

    public int Count => members switch
    {
        null => 0,
        ConcurrentDictionary<string, ConnectionGroupsFeature> many => many.Count,
        _ => 1,
    };

    /// <summary>The member whose connection has <paramref name="connectionId"/>, or null.</summary>
    public ConnectionGroupsFeature? Find(string connectionId) => members switch
    {
        ConnectionGroupsFeature one when one.Connection.ConnectionId == connectionId => one,
        ConcurrentDictionary<string, ConnectionGroupsFeature> many => many.GetValueOrDefault(connectionId),
        _ => null,
    };

    public void Add(ConnectionGroupsFeature member)
    {
        switch (members)
        {
            case null:
                members = member;
                break;
            case ConnectionGroupsFeature one when one != member:
                // Filled before it is published: a send sees the one member or both.
                members = new ConcurrentDictionary<string, ConnectionGroupsFeature>(
                    [new(one.Connection.ConnectionId, one), new(member.Connection.ConnectionId, member)], StringComparer.Ordinal);
                break;
            case ConcurrentDictionary<string, ConnectionGroupsFeature> many:
                many[member.Connection.ConnectionId] = member;
                break;
        }
    }

    public void Remove(ConnectionGroupsFeature member)
    {
        switch (members)
        {
            case ConnectionGroupsFeature one when one == member:
                members = null;
                break;
            case ConcurrentDictionary<string, ConnectionGroupsFeature> many:
                if (many.TryRemove(new KeyValuePair<string, ConnectionGroupsFeature>(member.Connection.ConnectionId, member)) && !shared && many.Count == 1)
                {
                    foreach (var last in many)
                    {
                        members = last.Value;
                    }
                }

                break;
        }
    }

    public Enumerator GetEnumerator() => new(members);

    IEnumerator<ConnectionGroupsFeature> IEnumerable<ConnectionGroupsFeature>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Allocation-free for one member; for more, the dictionary's own enumerator (one per send).</summary>
    public struct Enumerator : IEnumerator<ConnectionGroupsFeature>
    {
        private readonly object? members;
        private readonly IEnumerator<KeyValuePair<string, ConnectionGroupsFeature>>? many;
        private ConnectionGroupsFeature? one;

        internal Enumerator(object? members)
        {
            this.members = members;
            many = (members as ConcurrentDictionary<string, ConnectionGroupsFeature>)?.GetEnumerator();
            one = members as ConnectionGroupsFeature;
            Current = null!;
        }

        public ConnectionGroupsFeature Current { get; private set; }

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (many is not null)
            {
                if (!many.MoveNext())
                {
                    return false;
                }

                Current = many.Current.Value;
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

        public void Reset()
        {
            many?.Dispose();
            this = new Enumerator(members);
        }

        public readonly void Dispose() => many?.Dispose();
    }
}
