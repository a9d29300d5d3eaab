using System.Collections.Concurrent;
using System.Net;
using Kv.Server.Hosting;
using Kv.Server.Networking;
using Microsoft.Extensions.Logging;

namespace Kv.LoadTests.Infrastructure;

/// <summary>
/// A real <see cref="KvServer"/> in this process on a free loopback port, with its log captured so that a test can
/// check that no connection failed unexpectedly (the server logs such a failure, a bug, at Error level).
/// </summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly Capture _capture;

    private InProcessServer(KvServer server, ILoggerFactory loggerFactory, Capture capture)
    {
        Server = server;
        _loggerFactory = loggerFactory;
        _capture = capture;
    }

    public KvServer Server { get; }

    public IPEndPoint EndPoint => Server.EndPoint;

    /// <summary>Log entries at Error level or above: unexpected connection failures, accept failures.</summary>
    public IReadOnlyCollection<string> Errors => _capture.Errors;

    public static InProcessServer Start(Func<KvServerOptions, KvServerOptions>? configure = null)
    {
        var options = new KvServerOptions { Port = 0 };
        options = configure?.Invoke(options) ?? options;
        var capture = new Capture();
        var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(capture));
        var server = new KvServer(options, loggerFactory: loggerFactory);
        server.Start();
        return new InProcessServer(server, loggerFactory, capture);
    }

    public Task<WireConnection> ConnectAsync() => WireConnection.ConnectAsync(EndPoint);

    /// <summary>Waits until the server counts at most <paramref name="count"/> open connections.</summary>
    public Task WaitForConnectionCountAsync(int count, TimeSpan timeout) => WaitForConnectionCountAsync(count, 0, timeout);

    /// <summary>
    /// Waits until the server has accepted (or seen aborted in its backlog) at least <paramref name="accepted"/>
    /// connections in all and counts at most <paramref name="count"/> open ones. The accepted total matters: a client
    /// that connects, sends and leaves at once can still be in the listen backlog, not yet counted as open, its bytes
    /// not yet read; one whose accept failed because it had already left counts as dealt with.
    /// </summary>
    public async Task WaitForConnectionCountAsync(int count, long accepted, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Server.AcceptedConnectionCount + Server.AbortedAcceptCount < accepted || Server.ConnectionCount > count)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"The server still counts {Server.ConnectionCount} open connections and {Server.AcceptedConnectionCount} accepted " +
                    $"after {timeout.TotalSeconds} s; expected {count} open at most and {accepted} accepted at least.");
            }

            await Task.Delay(5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _loggerFactory.Dispose();
    }

    private sealed class Capture : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _errors = new();

        public IReadOnlyCollection<string> Errors => _errors;

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
            {
                _errors.Enqueue($"{eventId.Name}: {formatter(state, exception)} {exception}");
            }
        }

        public void Dispose()
        {
        }
    }
}
