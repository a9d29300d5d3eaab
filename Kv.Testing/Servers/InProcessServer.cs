using System.Collections.Concurrent;
using System.Net;
using Kv.Server.Hosting;
using Kv.Server.Networking;
using Kv.Storage;
using Microsoft.Extensions.Logging;

namespace Kv.Testing.Servers;

/// <summary>
/// A real <see cref="KvServer"/> in the test's process on a free loopback port, with its log captured so that a test can
/// check that no connection failed unexpectedly (the server logs such a failure, a bug, at Error level).
/// </summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly ErrorCapture _capture;

    private InProcessServer(KvServer server, ILoggerFactory loggerFactory, ErrorCapture capture)
    {
        Server = server;
        _loggerFactory = loggerFactory;
        _capture = capture;
    }

    public KvServer Server { get; }

    public IPEndPoint EndPoint => Server.EndPoint;

    /// <summary>The address as the client and the command line take it: <c>127.0.0.1:PORT</c>.</summary>
    public string Address => $"{EndPoint.Address}:{EndPoint.Port}";

    /// <summary>Log entries at Error level or above: unexpected connection failures, accept failures.</summary>
    public IReadOnlyCollection<string> Errors => _capture.Errors;

    /// <summary>What the server logged at Warning level.</summary>
    public IReadOnlyCollection<string> Warnings => _capture.Warnings;

    /// <summary>
    /// The transport the test servers use: <c>KV_TRANSPORT</c> (<c>epoll</c> or <c>sockets</c>), read as <c>kv-server</c>
    /// reads it (server processes started by a test inherit it), so that CI runs the same suites over both; the platform's
    /// default when unset.
    /// </summary>
    public static ServerTransport? TestTransport { get; } = Environment.GetEnvironmentVariable("KV_TRANSPORT") switch
    {
        "sockets" => ServerTransport.Sockets,
        "epoll" => ServerTransport.EventLoop,
        _ => null,
    };

    /// <summary>Starts a server on a free loopback port.</summary>
    /// <param name="configure">Changes to the default options (a free port on loopback, the test transport).</param>
    /// <param name="store">A store to serve, which the caller disposes; a new one owned by the server when null.</param>
    public static InProcessServer Start(Func<KvServerOptions, KvServerOptions>? configure = null, MemoryStore? store = null)
    {
        var options = new KvServerOptions { BindAddress = IPAddress.Loopback, Port = 0, Transport = TestTransport };
        options = configure?.Invoke(options) ?? options;
        var capture = new ErrorCapture();
        var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(capture));
        var server = new KvServer(options, store, loggerFactory);
        try
        {
            server.Start();
        }
        catch
        {
            loggerFactory.Dispose();
            throw;
        }

        return new InProcessServer(server, loggerFactory, capture);
    }

    public Task<WireConnection> ConnectAsync() => WireConnection.ConnectAsync(EndPoint);

    public Task StopAsync() => Server.StopAsync();

    /// <summary>Waits until the server counts at most <paramref name="count"/> open connections.</summary>
    public Task WaitForConnectionCountAsync(int count, TimeSpan timeout) => WaitForConnectionCountAsync(count, 0, timeout);

    /// <summary>
    /// Waits until the server has accepted (or seen aborted in its backlog) at least <paramref name="accepted"/>
    /// connections in all and counts at most <paramref name="count"/> open ones. The accepted total matters: a client that
    /// connects, sends and leaves at once can still be in the listen backlog, not yet counted as open, its bytes not yet
    /// read; one whose accept failed because it had already left counts as dealt with.
    /// </summary>
    /// <exception cref="TimeoutException">The counts were not reached in time.</exception>
    public async Task WaitForConnectionCountAsync(int count, long accepted, TimeSpan timeout)
    {
        if (!await Waiting.UntilAsync(() => Server.AcceptedConnectionCount + Server.AbortedAcceptCount >= accepted && Server.ConnectionCount <= count, timeout))
        {
            throw new TimeoutException($"The server still counts {Server.ConnectionCount} open connections and {Server.AcceptedConnectionCount} accepted " +
                $"after {timeout.TotalSeconds} s; expected {count} open at most and {accepted} accepted at least.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _loggerFactory.Dispose();
    }

    private sealed class ErrorCapture : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _errors = new();
        private readonly ConcurrentQueue<string> _warnings = new();

        public IReadOnlyCollection<string> Errors => _errors;

        public IReadOnlyCollection<string> Warnings => _warnings;

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
            {
                _errors.Enqueue($"{eventId.Name}: {formatter(state, exception)} {exception}");
            }
            else if (logLevel == LogLevel.Warning)
            {
                _warnings.Enqueue($"{eventId.Name}: {formatter(state, exception)}");
            }
        }

        public void Dispose()
        {
        }
    }
}
