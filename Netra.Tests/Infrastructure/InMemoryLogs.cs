using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Netra.Tests.Infrastructure;

/// <summary>Keeps a test server's log lines so that a test can assert on them and a failure can show them.</summary>
public sealed class InMemoryLogs : ILoggerProvider
{
    private const int Capacity = 5000;
    private readonly ConcurrentQueue<LogLine> lines = new();

    public IReadOnlyCollection<LogLine> Lines => lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogLine line)
    {
        lines.Enqueue(line);
        while (lines.Count > Capacity && lines.TryDequeue(out _))
        {
        }
    }

    public sealed record LogLine(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

    private sealed class Logger(InMemoryLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        // The host's filter decides (Information and up, unless a test's "Logging:LogLevel:<category>" lowers it).
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Add(new LogLine(category, logLevel, eventId, formatter(state, exception), exception));
            }
        }
    }
}
