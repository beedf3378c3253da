namespace Netra.Tests.Infrastructure;

/// <summary>For tests that hold a list of clients.</summary>
public static class AsyncDisposables
{
    /// <summary>Disposes each in turn.</summary>
    public static async Task DisposeAllAsync(IEnumerable<IAsyncDisposable> items)
    {
        foreach (var item in items)
        {
            await item.DisposeAsync();
        }
    }
}
