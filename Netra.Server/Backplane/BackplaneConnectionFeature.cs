namespace Netra.Server.Backplane;

/// <summary>Kept in a local connection's features: the groups it joined on this node, left when it disconnects.</summary>
internal sealed class BackplaneConnectionFeature
{
    private readonly HashSet<string> groups = new(StringComparer.Ordinal);

    public bool TryAddGroup(string groupName)
    {
        lock (groups)
        {
            return groups.Add(groupName);
        }
    }

    public bool TryRemoveGroup(string groupName)
    {
        lock (groups)
        {
            return groups.Remove(groupName);
        }
    }

    public string[] TakeGroups()
    {
        lock (groups)
        {
            var all = groups.ToArray();
            groups.Clear();
            return all;
        }
    }
}
