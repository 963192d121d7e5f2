using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>One log call as a sink would see it: rendered message, structured values, scopes and exception text.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, string Message, string State, string Scopes, string? Exception)
{
    public override string ToString() => $"{Level} {Category}: {Message} | state: {State} | scopes: {Scopes} | {Exception}";
}

/// <summary>Keeps every log entry of a host at every level, including the values of structured state and scopes.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private static string Render(object? value) => value switch
    {
        null => "",
        IEnumerable<KeyValuePair<string, object?>> pairs => string.Join("; ", pairs.Select(p => $"{p.Key}={p.Value}")) + " " + value,
        _ => value.ToString() ?? "",
    };

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<string>();
            provider._scopes.ForEachScope((scope, list) => list.Add(Render(scope)), scopes);
            provider._entries.Enqueue(new CapturedLog(
                category, logLevel, formatter(state, exception), Render(state), string.Join(" => ", scopes), exception?.ToString()));
        }
    }
}
