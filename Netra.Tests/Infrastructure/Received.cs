using System.Threading.Channels;

namespace Netra.Tests.Infrastructure;

/// <summary>The events of one kind a client received, in arrival order, for a test to await: every wait is bounded.</summary>
public sealed class Received<T>
{
    private readonly Channel<T> items = Channel.CreateUnbounded<T>();

    /// <summary>Records an event (the client's handler).</summary>
    public void Add(T item) => items.Writer.TryWrite(item);

    /// <summary>The next event, within <see cref="TestTimeouts.Network"/>.</summary>
    public async Task<T> NextAsync() => await items.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Network);

    /// <summary>The next event that <paramref name="match"/> accepts, dropping the others, within <paramref name="within"/> (default <see cref="TestTimeouts.Network"/>).</summary>
    public async Task<T> NextAsync(Func<T, bool> match, TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TestTimeouts.Network);
        while (true)
        {
            var item = await items.Reader.ReadAsync(timeout.Token);
            if (match(item))
            {
                return item;
            }
        }
    }

    /// <summary>The next <paramref name="count"/> events, each within <see cref="TestTimeouts.Network"/>.</summary>
    public async Task<IReadOnlyList<T>> TakeAsync(int count)
    {
        var taken = new List<T>();
        for (var i = 0; i < count; i++)
        {
            taken.Add(await NextAsync());
        }

        return taken;
    }

    /// <summary>True when no event arrives within <see cref="TestTimeouts.Quiet"/>; takes nothing.</summary>
    public async Task<bool> StaysQuietAsync()
    {
        try
        {
            await items.Reader.WaitToReadAsync().AsTask().WaitAsync(TestTimeouts.Quiet);
            return false;
        }
        catch (TimeoutException)
        {
            return true;
        }
    }

    /// <summary>The events <paramref name="match"/> accepts among those that arrive within <see cref="TestTimeouts.Quiet"/> (all of which are taken).</summary>
    public async Task<List<T>> WithinQuietAsync(Func<T, bool> match)
    {
        var seen = new List<T>();
        using var quiet = new CancellationTokenSource(TestTimeouts.Quiet);
        try
        {
            while (true)
            {
                var item = await items.Reader.ReadAsync(quiet.Token);
                if (match(item))
                {
                    seen.Add(item);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return seen;
        }
    }
}
