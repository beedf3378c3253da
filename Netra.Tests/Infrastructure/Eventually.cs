namespace Netra.Tests.Infrastructure;

/// <summary>For state the server updates after the event a test can observe (a release after a close): poll, bounded.</summary>
public static class Eventually
{
    public static async Task UntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Network);
        while (!condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}
