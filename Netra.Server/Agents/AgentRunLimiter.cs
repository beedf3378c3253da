using System.Globalization;
using Netra.Server.Protection;
using StackExchange.Redis;

namespace Netra.Server.Agents;

/// <summary>
/// Counts each user's agent runs in progress for <see cref="AgentOptions.MaxConcurrentRunsPerUser"/>: on this node, and,
/// scaled out, across nodes in Redis (<see cref="RedisLeases"/>, so the runs of a node that died stop counting within
/// <see cref="RedisLeases.Lease"/>). While Redis cannot answer, each node counts alone (logged).
/// </summary>
internal sealed class AgentRunLimiter(ILogger<AgentRunLimiter> logger, RedisLeases? leases = null)
{
    public const string Kind = "agent-runs";

    private readonly Dictionary<long, int> running = [];
    private readonly Lock gate = new();

    /// <summary>Counts run <paramref name="runId"/> of the user unless <paramref name="max"/> of theirs are running already.</summary>
    public async ValueTask<bool> TryAcquireAsync(long userId, string runId, int max, CancellationToken cancellationToken)
    {
        if (!TryAcquireHere(userId, max))
        {
            return false;
        }

        if (leases is null)
        {
            return true;
        }

        var counted = false;
        try
        {
            counted = await leases.TryTakeAsync(Kind, Key(userId), runId, max, cancellationToken);
            return counted;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            AgentLog.RunCountUnavailable(logger, userId, exception);
            counted = true;
            return true;
        }
        finally
        {
            if (!counted)
            {
                ReleaseHere(userId);
            }
        }
    }

    public async ValueTask ReleaseAsync(long userId, string runId)
    {
        ReleaseHere(userId);
        if (leases is not null)
        {
            await leases.ReleaseAsync(Kind, Key(userId), runId);
        }
    }

    /// <summary>The user's runs in progress on this node.</summary>
    public int CountOf(long userId)
    {
        lock (gate)
        {
            return running.GetValueOrDefault(userId);
        }
    }

    private static string Key(long userId) => userId.ToString(CultureInfo.InvariantCulture);

    private bool TryAcquireHere(long userId, int max)
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

    private void ReleaseHere(long userId)
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
}
