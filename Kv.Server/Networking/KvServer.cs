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
    private static readonly TimeSpan RejectLinger = TimeSpan.FromSeconds(1);
    private static readonly TaskCompletionSource NeverCompletes = new();

    private readonly KvServerOptions _options;
    private readonly ILogger _logger;
    private readonly CommandParser _parser;
    private readonly ConcurrentDictionary<long, (ClientConnection Connection, Task Task)> _connections = new();
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly byte[] _tooManyConnectionsResponse;
    private readonly bool _ownsStore;
    private Socket? _listener;
    private IPEndPoint? _endPoint;
    private Task _acceptLoop = Task.CompletedTask;
    private Timer? _idleSweep;
    private AppendOnlyLog? _log;
    private long _nextConnectionId;
    private long _abortedAccepts;
    private int _connectionCount;
    private int _stopRequested;

    /// <summary>Creates a server; nothing listens until <see cref="Start"/>.</summary>
    /// <param name="options">Address, port and limits; checked here.</param>
    /// <param name="store">
    /// The store to serve, which the caller keeps and disposes; when null, a new empty one that the server owns and
    /// disposes with itself.
    /// </param>
    /// <param name="loggerFactory">Where logs go; nowhere when null.</param>
    public KvServer(KvServerOptions options, MemoryStore? store = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        Store = store ?? new MemoryStore();
        _ownsStore = store is null;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Kv.Server");
        _parser = new CommandParser(new ProtocolLimits(options.MaxFrameBytes));
        var message = Encoding.UTF8.GetBytes("too many connections");
        _tooManyConnectionsResponse = new byte[ResponseEncoder.GetEncodedLength(ProtocolVersion.V0, ResponseStatus.Error, message.Length)];
        ResponseEncoder.Encode(_tooManyConnectionsResponse, ProtocolVersion.V0, ResponseStatus.Error, 0, message);
    }

    /// <summary>The store this server serves.</summary>
    public MemoryStore Store { get; }

    /// <summary>The address and port the server listens on (the real port when 0 was asked for).</summary>
    public IPEndPoint EndPoint => _endPoint ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>How many connections are open now.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>
    /// How many connections have been accepted and served since <see cref="Start"/> (open or since closed; not those
    /// refused over <see cref="KvServerOptions.MaxConnections"/>). A connection still waiting in the listen backlog is
    /// not counted yet, which is what tells "closed" from "not yet accepted".
    /// </summary>
    public long AcceptedConnectionCount => Volatile.Read(ref _nextConnectionId);

    /// <summary>
    /// How many connections were closed by their clients while still waiting in the listen backlog, so that accepting
    /// them failed (ECONNABORTED; whether a system reports these or hands such a socket to accept is its choice).
    /// </summary>
    public long AbortedAcceptCount => Interlocked.Read(ref _abortedAccepts);

    /// <summary>
    /// Completes if persistence fails while the server runs (a write or fsync of the log failed): the server then
    /// acknowledges nothing more (connections are closed without their responses), and should be stopped. Never
    /// completes otherwise.
    /// </summary>
    public Task PersistenceFailed => _log?.Failed ?? NeverCompletes.Task;

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

        var listener = new Socket(_options.BindAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (_options.BindAddress.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            listener.Bind(new IPEndPoint(_options.BindAddress, _options.Port));
            listener.Listen(_options.Backlog);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _endPoint = (IPEndPoint)listener.LocalEndPoint!;
        ServerLog.Listening(_logger, _endPoint);
        if (_options.IdleTimeout > TimeSpan.Zero)
        {
            var period = TimeSpan.FromMilliseconds(Math.Clamp(_options.IdleTimeout.TotalMilliseconds / 4, 10, 1000));
            _idleSweep = new Timer(static state => ((KvServer)state!).CloseIdleConnections(), this, period, period);
        }

        _acceptLoop = AcceptLoopAsync(listener);
    }

    /// <summary>
    /// Graceful shutdown: stop accepting, let every connection answer what it has already received, close them, and
    /// return. Connections still busy after <see cref="KvServerOptions.ShutdownTimeout"/> are closed at once.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) != 0)
        {
            await _acceptLoop.ConfigureAwait(false);
            return;
        }

        if (_listener is null)
        {
            // Never started, or its start failed: nothing to shut down, and nothing to log, but a log it may have opened.
            _log?.Dispose();
            return;
        }

        _stopAccepting.Cancel();
        _listener?.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        if (_idleSweep is not null)
        {
            await _idleSweep.DisposeAsync().ConfigureAwait(false);
        }

        ServerLog.ShuttingDown(_logger, ConnectionCount);
        _stopping.Cancel();
        var running = _connections.Values.Select(c => c.Task).ToArray();
        try
        {
            await Task.WhenAll(running).WaitAsync(_options.ShutdownTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var left = _connections.Values.ToArray();
            ServerLog.ShutdownTimedOut(_logger, left.Length);
            foreach (var (connection, _) in left)
            {
                connection.Abort();
            }

            await Task.WhenAll(left.Select(c => c.Task)).ConfigureAwait(false);
        }

        // After the connections: their last responses may still be waiting for the log. Closing it writes and
        // fsyncs what is buffered. On a pool thread: this method may be running on the log's resumer thread (the last
        // connection can finish while it is resumed there), which the log must wait for.
        if (_log is { } log)
        {
            await Task.Run(log.Dispose).ConfigureAwait(false);
        }

        ServerLog.Stopped(_logger);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopAccepting.Dispose();
        _stopping.Dispose();
        if (_ownsStore)
        {
            Store.Dispose();
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        // Leave the caller of Start at once; the loop runs on the socket engine's completions from here.
        await Task.Yield();
        while (!_stopAccepting.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopAccepting.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (_stopAccepting.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // The client gave up while its connection waited in the backlog: nothing to serve, nothing wrong here.
                Interlocked.Increment(ref _abortedAccepts);
                ServerLog.AcceptAborted(_logger, e.SocketErrorCode);
                continue;
            }
            catch (Exception e)
            {
                // For example EMFILE when out of file descriptors: log, breathe, and keep serving the others.
                ServerLog.AcceptFailed(_logger, e);
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            if (Interlocked.Increment(ref _connectionCount) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref _connectionCount);
                ServerLog.ConnectionRefused(_logger, _options.MaxConnections);
                _ = RejectAsync(socket);
                continue;
            }

            socket.NoDelay = true;
            var id = Interlocked.Increment(ref _nextConnectionId);
            ServerLog.ConnectionAccepted(_logger, id, socket.RemoteEndPoint);
            var connection = new ClientConnection(id, socket, Store, _parser, _options.SendBufferLimit, _logger, _log);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[id] = (connection, ServeAsync(connection, started.Task));
            started.SetResult();
        }
    }

    private async Task ServeAsync(ClientConnection connection, Task registered)
    {
        await registered.ConfigureAwait(false);
        try
        {
            await connection.RunAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection.Id, out _);
            Interlocked.Decrement(ref _connectionCount);
        }
    }

    // Over the limit: say so (in version 0, which every client reads), then close without leaving an RST behind.
    private async Task RejectAsync(Socket socket)
    {
        try
        {
            using (socket)
            {
                await socket.SendAsync(_tooManyConnectionsResponse, SocketFlags.None).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Send);
                using var linger = new CancellationTokenSource(RejectLinger);
                var scratch = new byte[1024];
                while (await socket.ReceiveAsync(scratch, SocketFlags.None, linger.Token).ConfigureAwait(false) > 0)
                {
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client left first or lingered too long; it has been told.
        }
    }

    private void CloseIdleConnections()
    {
        var now = Environment.TickCount64;
        var limit = (long)_options.IdleTimeout.TotalMilliseconds;
        foreach (var (connection, _) in _connections.Values)
        {
            if (now - connection.LastActivity > limit)
            {
                ServerLog.IdleTimeout(_logger, connection.Id, _options.IdleTimeout);
                connection.Abort();
            }
        }
    }
}
