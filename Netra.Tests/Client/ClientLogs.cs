using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Netra.Tests.Client;

/// <summary>
/// The log of a <see cref="Netra.Client.NetraClient"/> (its <c>LoggerFactory</c>), each entry with its event id and
/// named values, for a test to await what the client did that it raises no event for (a re-subscribe it scheduled).
/// </summary>
public sealed class ClientLogs : ILoggerProvider
{
    private readonly Channel<Entry> entries = Channel.CreateUnbounded<Entry>();

    public ILoggerFactory CreateFactory() => LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(this));

    /// <summary>The next entry with event id <paramref name="eventId"/>, skipping others, within <see cref="Infrastructure.TestTimeouts.Network"/>.</summary>
    public async Task<Entry> NextAsync(int eventId)
    {
        using var timeout = new CancellationTokenSource(Infrastructure.TestTimeouts.Network);
        while (true)
        {
            var entry = await entries.Reader.ReadAsync(timeout.Token);
            if (entry.EventId == eventId)
            {
                return entry;
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    /// <summary>One log entry: its event id, message and named values (<c>{Channel}</c>, <c>{Delay}</c>, ...).</summary>
    public sealed record Entry(int EventId, string Message, IReadOnlyDictionary<string, object?> Values);

    private sealed class Logger(ClientLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal)
                : [];
            owner.entries.Writer.TryWrite(new Entry(eventId.Id, formatter(state, exception), values));
        }
    }
}
