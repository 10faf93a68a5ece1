using Microsoft.Extensions.Logging;

namespace ComplaintGrpc.Server.Tests;

/// <summary>Keeps what was logged (level, event id, exception), so a test can say how a failure was reported.</summary>
public sealed class CapturingLogger<T> : ILogger<T>
{
    public sealed record Entry(LogLevel Level, int EventId, string Message, Exception? Exception);

    private readonly List<Entry> _entries = [];

    public IReadOnlyList<Entry> Entries => _entries;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Add(new Entry(logLevel, eventId.Id, formatter(state, exception), exception));
}
