using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Kv.Client.Tests;

/// <summary>Keeps every log entry, for tests that check what the client logs.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, EventId EventId, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Dispose()
    {
    }

    public IReadOnlyList<string> EventNames() => Entries.Select(e => e.EventId.Name ?? e.EventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();

    private sealed class CapturingLogger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Entries.Enqueue((category, logLevel, eventId, formatter(state, exception)));
    }
}
