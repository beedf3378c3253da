namespace Netra.Tests.Infrastructure;

/// <summary>For state the server updates after the event a test can observe (a release after a close): poll, bounded.</summary>
public static class Eventually
{
    public static Task UntilAsync(Func<bool> condition) => UntilAsync(() => Task.FromResult(condition()));

    /// <summary>Polls a condition that needs a query (e.g. PostgreSQL's view of its locks).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Network);
        while (!await condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}
