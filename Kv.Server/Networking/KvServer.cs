using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Kv.Protocol;
using Kv.Server.Diagnostics;
using Kv.Server.Hosting;
using Kv.Storage.Persistence;
using Kv.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Server.Networking;

/// <summary>
/// The Kv server: a TCP listener whose connections run commands against one shared <see cref="MemoryStore"/>.
/// Start it with <see cref="Start"/>; <see cref="StopAsync"/> shuts it down gracefully. With
/// <see cref="KvServerOptions.Persistence"/> set, <see cref="Start"/> first replays the append-only log into the
/// store, and every write goes to the log from then on.
/// </summary>
public sealed class KvServer : IAsyncDisposable
{
    private static readonly TaskCompletionSource NeverCompletes = new();

    private readonly KvServerOptions _options;
    private readonly ILogger _logger;
    private readonly bool _ownsStore;
    private Socket? _listener;
    private IPEndPoint? _endPoint;
    private AppendOnlyLog? _log;
    private ConnectionServices? _services;
    private IServerTransport? _transport;
    private readonly Tls.TlsCertificates? _tls;
    private Socket? _tlsListener;
    private IPEndPoint? _tlsEndPoint;
    private int _stopRequested;
    private Task _stopped = Task.CompletedTask;

    /// <summary>Creates a server; nothing listens until <see cref="Start"/>.</summary>
    /// <param name="options">Address, port, limits and transport; checked here.</param>
    /// <param name="store">
    /// The store to serve, which the caller keeps and disposes; when null, a new empty one that the server owns and
    /// disposes with itself, limited to <see cref="KvServerOptions.MaxMemory"/>.
    /// </param>
    /// <param name="loggerFactory">Where logs go; nowhere when null.</param>
    /// <exception cref="ArgumentException">
    /// The options are not valid, or the TLS certificate, key or client authorities cannot be loaded (the message names the option).
    /// </exception>
    public KvServer(KvServerOptions options, MemoryStore? store = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        Store = store ?? new MemoryStore(new MemoryStoreOptions { MemoryLimit = options.MaxMemory, Eviction = options.Eviction });
        _ownsStore = store is null;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Kv.Server");
        if (options.TlsPort is not null)
        {
            _tls = Tls.TlsCertificates.Load(options, _logger);
        }
    }

    /// <summary>The store this server serves.</summary>
    public MemoryStore Store { get; }

    /// <summary>The address and port the server listens on (the real port when 0 was asked for).</summary>
    public IPEndPoint EndPoint => _endPoint ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>The address and port served over TLS (<see cref="KvServerOptions.TlsPort"/>); null without TLS.</summary>
    public IPEndPoint? TlsEndPoint => _tlsEndPoint;

    /// <summary>
    /// Re-reads the TLS certificate, key and client authorities (<c>kv-server</c> does on SIGHUP): new handshakes use them,
    /// connections already open keep theirs. A file that cannot be loaded keeps the previous ones and logs an error.
    /// </summary>
    /// <returns>Whether the new files are in use; false without TLS.</returns>
    public bool ReloadTlsCertificate() => _tls?.Reload() ?? false;

    /// <summary>The transport that serves the connections (<see cref="KvServerOptions.Transport"/>, resolved).</summary>
    public ServerTransport Transport => _options.ResolveTransport();

    /// <summary>How many connections are open now.</summary>
    public int ConnectionCount => _services?.ConnectionCount ?? 0;

    /// <summary>
    /// How many connections have been accepted and served since <see cref="Start"/> (open or since closed; not those
    /// refused over <see cref="KvServerOptions.MaxConnections"/>). A connection still waiting in the listen backlog is
    /// not counted yet, which is what tells "closed" from "not yet accepted".
    /// </summary>
    public long AcceptedConnectionCount => _services?.AcceptedCount ?? 0;

    /// <summary>
    /// How many connections were closed by their clients while still waiting in the listen backlog, so that accepting
    /// them failed (ECONNABORTED; whether a system reports these or hands such a socket to accept is its choice).
    /// </summary>
    public long AbortedAcceptCount => _services?.AbortedAcceptCount ?? 0;

    /// <summary>
    /// Completes if persistence fails while the server runs (a write or fsync of the log failed): the server then
    /// acknowledges nothing more (connections are closed without their responses), and should be stopped. Never
    /// completes otherwise.
    /// </summary>
    public Task PersistenceFailed => _log?.Failed ?? NeverCompletes.Task;

    /// <summary>
    /// The bytes the event loops' threads have allocated since they started: what serving requests costs the garbage
    /// collector on the event loop transport; null on the sockets transport, whose work runs on shared threads.
    /// </summary>
    internal Task<long>? LoopAllocatedBytesAsync() => (_transport as EventLoop.EventLoopTransport)?.AllocatedBytesAsync();

    /// <summary>The append-only log, once started with persistence on.</summary>
    internal AppendOnlyLog? Log => _log;

    /// <summary>
    /// Replays the log (with persistence on), then binds, listens and starts accepting. When this returns,
    /// connections are accepted.
    /// </summary>
    /// <exception cref="SocketException">The address cannot be bound (in use, or not this machine's).</exception>
    /// <exception cref="LogCorruptionException">The log is damaged and must be repaired before the server starts.</exception>
    /// <exception cref="IOException">The data directory is in use by another server, or cannot be used.</exception>
    /// <exception cref="UnauthorizedAccessException">The data directory cannot be used.</exception>
    public void Start()
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("The server has already started.");
        }

        if (_options.Persistence is { } persistence && _log is null)
        {
            // Before listening: no client sees the store until every logged write is back in it.
            _log = AppendOnlyLog.Open(persistence, Store, _logger);
        }

        var listener = Listen(_options.Port);
        if (_options.TlsPort is { } tlsPort)
        {
            try
            {
                _tlsListener = Listen(tlsPort);
            }
            catch
            {
                listener.Dispose();
                throw;
            }

            _tlsEndPoint = (IPEndPoint)_tlsListener.LocalEndPoint!;
        }

        _listener = listener;
        _endPoint = (IPEndPoint)listener.LocalEndPoint!;
        _services = new ConnectionServices(_options, Store, _log, _logger, DescriptorLimit.ResolveMaxConnections(_options.MaxConnections, _logger));
        if (Transport == ServerTransport.EventLoop)
        {
            // The loops commit each turn's writes themselves (write, and fsync under `always`), then answer.
            _log?.UseCallerCommits();
            var loops = new EventLoop.EventLoopTransport(_services, _options.ResolveEventThreads());
            if (_tlsListener is not null)
            {
                // The TLS port on the same loops: its connections commit with the plain ones, turn by turn.
                loops.ServeTls(_tlsListener, _tls!);
            }

            _transport = loops;
        }
        else
        {
            var sockets = new Sockets.SocketTransport(_services);
            if (_tlsListener is not null)
            {
                sockets.ServeTls(_tlsListener, _tls!);
            }

            _transport = sockets;
        }
        ServerLog.Listening(_logger, _endPoint);
        if (_tlsListener is not null)
        {
            ServerLog.ListeningTls(_logger, _tlsEndPoint!);
        }

        _transport.Start(listener);
    }

    private Socket Listen(int port)
    {
        var listener = new Socket(_options.BindAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (_options.BindAddress.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            listener.Bind(new IPEndPoint(_options.BindAddress, port));
            listener.Listen(_options.Backlog);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Graceful shutdown: stop accepting, let every connection answer what it has already received, close them, and
    /// return. Connections still busy after <see cref="KvServerOptions.ShutdownTimeout"/> are closed at once.
    /// </summary>
    public Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) == 0)
        {
            _stopped = StopOnceAsync();
        }

        return _stopped;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_ownsStore)
        {
            Store.Dispose();
        }
    }

    private async Task StopOnceAsync()
    {
        if (_transport is null)
        {
            // Never started, or its start failed: nothing to shut down, and nothing to log, but a log it may have opened.
            _log?.Dispose();
            return;
        }

        await _transport.StopAsync(_options.ShutdownTimeout).ConfigureAwait(false);
        _listener?.Dispose();
        _tlsListener?.Dispose();
        _services?.BufferPool.Dispose();

        // After the connections: their last responses may still be waiting for the log. Closing it writes and
        // fsyncs what is buffered. On a pool thread: this method may be running on the log's resumer thread (the last
        // connection can finish while it is resumed there), which the log must wait for.
        if (_log is { } log)
        {
            await Task.Run(log.Dispose).ConfigureAwait(false);
        }

        ServerLog.Stopped(_logger);
    }
}
