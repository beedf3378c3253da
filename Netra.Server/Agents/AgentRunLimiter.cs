namespace Netra.Server.Agents;

/// <summary>Counts each user's runs in progress on this node, for <see cref="AgentOptions.MaxConcurrentRunsPerUser"/>.</summary>
internal sealed class AgentRunLimiter
{
    private readonly Dictionary<long, int> running = [];
    private readonly Lock gate = new();

    public bool TryAcquire(long userId, int max)
    {
        lock (gate)
        {
            var current = running.GetValueOrDefault(userId);
            if (current >= max)
            {
                return false;
            }

            running[userId] = current + 1;
            return true;
        }
    }

    public void Release(long userId)
    {
        lock (gate)
        {
            if (running.TryGetValue(userId, out var current) && current > 1)
            {
                running[userId] = current - 1;
            }
            else
            {
                running.Remove(userId);
            }
        }
    }

    public int CountOf(long userId)
    {
        lock (gate)
        {
            return running.GetValueOrDefault(userId);
        }
    }
}
