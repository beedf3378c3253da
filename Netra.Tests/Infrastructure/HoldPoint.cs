namespace Netra.Tests.Infrastructure;

/// <summary>
/// A place in the server that a test can hold (a hub filter's or a lifetime manager's step): while <see cref="Hold"/> is on,
/// whatever passes <see cref="PassAsync"/> waits there until <see cref="Release"/>.
/// </summary>
public sealed class HoldPoint
{
    private readonly Lock gate = new();
    private TaskCompletionSource hold = Completed();
    private TaskCompletionSource entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when something has reached the point since <see cref="Hold"/>.</summary>
    public Task Entered
    {
        get
        {
            lock (gate)
            {
                return entered.Task;
            }
        }
    }

    public void Hold()
    {
        lock (gate)
        {
            hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Release()
    {
        lock (gate)
        {
            hold.TrySetResult();
        }
    }

    /// <summary>Goes on at once, or, while held, once released (at most <see cref="TestTimeouts.Network"/>).</summary>
    public Task PassAsync()
    {
        Task release;
        lock (gate)
        {
            release = hold.Task;
            entered.TrySetResult();
        }

        return release.WaitAsync(TestTimeouts.Network);
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
