using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Kv.Protocol;
using Kv.Protocol.Buffers;
using Microsoft.Extensions.Logging;

namespace Kv.Client.Internal;

/// <summary>
/// One TCP connection to the server, shared by every caller of a <see cref="KvClient"/>.
/// <para>
/// Callers (<see cref="TryStart{T, TDecoder}"/>) encode their request into the pending-write buffer and append its
/// <see cref="PendingOperation"/> to the FIFO under one short lock, so FIFO order is wire order, then wake the writer
/// loop if it is parked. The writer loop (<c>ClientConnection.Writing.cs</c>) swaps the pending buffer for its own and
/// sends everything that accumulated with one socket call. The reader loop (<c>ClientConnection.Reading.cs</c>)
/// parses every response of a receive, takes their operations off the FIFO in one lock (checking that each answers
/// the head), decodes their results, and hands them to the thread pool as one <see cref="CompletionBatch"/>.
/// </para>
/// <para>
/// Any failure (socket error, end of stream, protocol violation, disposal) goes through <see cref="Abort"/>, once:
/// the connection is marked closed, every request in the FIFO fails, and the socket is closed. A closed connection is
/// never reopened; <see cref="KvClient"/> makes a new one.
/// </para>
/// </summary>
internal sealed partial class ClientConnection : ICompletionBatchOwner
{
    private const int InitialBufferSize = 16 * 1024;
    private const int WatchdogMilliseconds = 10;

    private readonly Socket _socket;

    // With TLS, the stream every byte goes through (over the socket); null for plain TCP, whose loops use the socket.
    private readonly SslStream? _tls;
    private readonly ResponseParser _parser;
    private readonly ILogger _logger;
    private readonly int _maxFrameBytes;
    private readonly int _maxPendingWriteBytes;
    private readonly long _timeoutMilliseconds;
    private readonly TimeSpan _operationTimeout;
    private readonly Func<PendingOperation, Exception> _createTimeout;

    // Guards the FIFO, the pending-write buffer, the writer's parking and the closed flag.
    private readonly Lock _lock = new();
    private readonly OperationQueue _queue = new();
    private readonly WriterSignal _writerSignal = new();
    private readonly ReceiveBuffer _input;
    private PooledBufferWriter _pending;
    private PooledBufferWriter _sending;
    private bool _writerParked;
    private bool _closed;
    private uint _lastRequestId;

    // The reader loop's: where each response of the current receive starts, and the request id it answers.
    private int[] _frameOffsets = new int[64];
    private uint[] _frameRequestIds = new uint[64];

    // Completion batches: idle ones (a lock-free stack), and every one made (for the stall check).
    private CompletionBatch? _idleBatches;
    private CompletionBatch[] _allBatches = [];

    // Ticks while completion batches run, to give a helper to one held up by a blocking continuation.
    private readonly Timer _watchdog;
    private int _watchdogArmed;

    private volatile bool _isOpen = true;
    private ConnectionFailure? _failure;
    private Timer? _timeoutTimer;
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;

    private ClientConnection(Socket socket, SslStream? tls, KvClientOptions options, string endPoint, ILogger logger)
    {
        _socket = socket;
        _tls = tls;
        EndPoint = endPoint;
        _logger = logger;
        _maxFrameBytes = options.MaxFrameBytes;
        _maxPendingWriteBytes = options.MaxPendingWriteBytes;
        _parser = new ResponseParser(new ProtocolLimits(options.MaxFrameBytes));
        _operationTimeout = options.OperationTimeout;
        _timeoutMilliseconds = options.OperationTimeout == Timeout.InfiniteTimeSpan ? -1 : (long)Math.Ceiling(options.OperationTimeout.TotalMilliseconds);
        _createTimeout = CreateTimeoutException;
        _input = new ReceiveBuffer(InitialBufferSize, options.MaxFrameBytes);
        _pending = new PooledBufferWriter(InitialBufferSize);
        _sending = new PooledBufferWriter(InitialBufferSize);
        _watchdog = new Timer(static state => ((ClientConnection)state!).OnWatchdogTick(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>The server's address as configured, for messages.</summary>
    public string EndPoint { get; }

    /// <summary>False once the connection has been torn down; it never opens again.</summary>
    public bool IsOpen => _isOpen;

    /// <summary>Why the connection was torn down, once it has been.</summary>
    public ConnectionFailure? Failure => Volatile.Read(ref _failure);

    /// <summary>Completes when both loops have ended and the buffers are back in the pool.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>
    /// Connects, starts the loops and checks the server with a PING, all within
    /// <see cref="KvClientOptions.ConnectTimeout"/>. The PING also surfaces a refusal the server sends at once (such
    /// as the version-0 ERROR <c>too many connections</c>).
    /// </summary>
    /// <exception cref="KvConnectionException">The connection could not be made, or the server refused it.</exception>
    /// <exception cref="KvProtocolException">The server's answer was not a Kv version-1 PONG.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<ClientConnection> ConnectAsync(KvClientOptions options, EndPoint endPoint, ILogger logger, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            timeout.CancelAfter(options.ConnectTimeout);
        }

        var socket = endPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        ClientConnection? connection = null;
        SslStream? tls = null;
        try
        {
            await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            socket.NoDelay = true;
            if (options.Tls is { } tlsOptions)
            {
                tls = await ClientTls.AuthenticateAsync(socket, tlsOptions, options.EndPoint, endPoint, timeout.Token).ConfigureAwait(false);
            }

            connection = new ClientConnection(socket, tls, options, options.EndPoint, logger);
            connection.StartLoops();
            if (options.Password is not null)
            {
                await connection.AuthenticateAsync(options, timeout.Token).ConfigureAwait(false);
            }

            var ping = connection.TryStart<string?, StringDecoder>(CommandKind.Ping, default, default, timeout.Token)
                ?? throw connection.Failure!.CreateException();
            var reply = await ping.AsValueTask().ConfigureAwait(false);
            if (reply != "PONG")
            {
                throw new KvProtocolException($"The server at {options.EndPoint} answered the opening PING with \"{reply}\" instead of \"PONG\": it is not a Kv server.");
            }

            ClientLog.Connected(logger, options.EndPoint, socket.RemoteEndPoint?.ToString());
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Close(socket, tls, connection);
            throw new KvConnectionException(
                $"Could not connect to the Kv server at {options.EndPoint} within {options.ConnectTimeout} (ConnectTimeout).",
                new TimeoutException($"The connection attempt took longer than {options.ConnectTimeout}."));
        }
        catch (Exception e) when (e is SocketException || (e is IOException && connection is null))
        {
            // An IOException here is the TLS handshake's: the connection was lost during it (retried as any loss).
            Close(socket, tls, connection);
            throw new KvConnectionException($"Could not connect to the Kv server at {options.EndPoint}: {e.Message}", e);
        }
        catch
        {
            Close(socket, tls, connection);
            throw;
        }

        static void Close(Socket socket, SslStream? tls, ClientConnection? connection)
        {
            if (connection is null)
            {
                tls?.Dispose();
                socket.Dispose();
            }
            else
            {
                connection.Abort(ConnectionFailure.Lost("The connection attempt failed."));
            }
        }
    }

    /// <summary>
    /// Sends AUTH (the options' user and password) as the connection's first request and waits for its answer: OK, or
    /// ERROR <see cref="ProtocolErrorCode.AuthenticationFailed"/>, which becomes <see cref="KvAuthenticationException"/>.
    /// Nothing else is queued on the connection before this returns.
    /// </summary>
    private async Task AuthenticateAsync(KvClientOptions options, CancellationToken cancellationToken)
    {
        var password = System.Text.Encoding.UTF8.GetBytes(options.Password!);
        PendingOperation<bool, BooleanDecoder>? auth;
        try
        {
            auth = TryStart<bool, BooleanDecoder>(CommandKind.Auth, new Argument(options.User ?? string.Empty), new Argument(password), cancellationToken);
        }
        finally
        {
            // The request is encoded: the copy is not needed any more.
            Array.Clear(password);
        }

        if (auth is null)
        {
            throw Failure!.CreateException();
        }

        try
        {
            await auth.AsValueTask().ConfigureAwait(false);
        }
        catch (KvServerException e) when (e.Code == ProtocolErrorCode.AuthenticationFailed)
        {
            throw new KvAuthenticationException(options.EndPoint, options.User, e.ServerMessage);
        }
    }

    /// <summary>
    /// Queues a request: encodes it with <see cref="CommandEncoder"/> into the pending-write buffer and appends its
    /// operation to the FIFO, in one lock, then wakes the writer. Returns null, having sent nothing, when the
    /// connection is closed (the caller then gets a new connection and tries again).
    /// </summary>
    /// <param name="kind">The command.</param>
    /// <param name="key">Its key (default for PING).</param>
    /// <param name="value">Its value, or PING's message (default for the others).</param>
    /// <param name="cancellationToken">Fails the caller's wait.</param>
    /// <param name="flags">The option bits of SETX, EXPIRE and GETEX, already checked with <see cref="CommandOptions.Validate"/>; 0 for the others.</param>
    /// <param name="time">The time of SETX, EXPIRE and GETEX; 0 for the others.</param>
    /// <exception cref="ArgumentException">The request would be larger than <see cref="KvClientOptions.MaxFrameBytes"/>.</exception>
    /// <exception cref="KvOverloadedException">The unsent requests would exceed <see cref="KvClientOptions.MaxPendingWriteBytes"/>.</exception>
    public PendingOperation<T, TDecoder>? TryStart<T, TDecoder>(CommandKind kind, in Argument key, in Argument value, CancellationToken cancellationToken, ushort flags = 0, long time = 0)
        where TDecoder : IResponseDecoder<T>
    {
        byte[]? rentedKey = null;
        byte[]? rentedValue = null;
        try
        {
            var keyBytes = key.GetBytes(ref rentedKey);
            var valueBytes = value.GetBytes(ref rentedValue);
            var frameLength = CommandEncoder.GetEncodedLength(ProtocolVersion.V1, kind, keyBytes.Length, valueBytes.Length);
            if (frameLength > _maxFrameBytes)
            {
                throw new ArgumentException(
                    $"The {kind} request would take {frameLength} bytes on the wire, more than the frame limit of {_maxFrameBytes} bytes (KvClientOptions.MaxFrameBytes).",
                    CommandTable.Find(kind)?.HasValue == true ? "value" : "key");
            }

            var pool = OperationPool<T, TDecoder>.Shared;
            var operation = pool.Rent();
            bool wakeWriter;
            lock (_lock)
            {
                if (_closed)
                {
                    pool.Return(operation);
                    return null;
                }

                if (_pending.WrittenCount > 0 && (long)_pending.WrittenCount + frameLength > _maxPendingWriteBytes)
                {
                    pool.Return(operation);
                    throw new KvOverloadedException(
                        $"The connection to the Kv server at {EndPoint} already holds {_pending.WrittenCount} bytes of requests it could not send yet " +
                        $"(KvClientOptions.MaxPendingWriteBytes is {_maxPendingWriteBytes}): the server is not reading as fast as requests are made. Nothing was sent.");
                }

                var requestId = unchecked(++_lastRequestId);
                CommandEncoder.Encode(_pending, ProtocolVersion.V1, kind, requestId, keyBytes, valueBytes, flags, time);
                operation.Start(requestId, kind, _timeoutMilliseconds < 0 ? long.MaxValue : Environment.TickCount64 + _timeoutMilliseconds);
                _queue.Enqueue(operation);
                wakeWriter = _writerParked;
                _writerParked = false;
            }

            if (wakeWriter)
            {
                _writerSignal.Set();
            }

            operation.RegisterCancellation(cancellationToken);
            return operation;
        }
        finally
        {
            ReturnRented(rentedKey);
            ReturnRented(rentedValue);
        }
    }

    /// <summary>
    /// Tears the connection down, once: marks it closed, fails every request in flight with an exception made from
    /// <paramref name="failure"/>, and closes the socket (which ends both loops).
    /// </summary>
    public void Abort(ConnectionFailure failure)
    {
        List<PendingOperation> inFlight = [];
        bool wakeWriter;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _isOpen = false;
            Volatile.Write(ref _failure, failure);
            _queue.DrainTo(inFlight);
            wakeWriter = _writerParked;
            _writerParked = false;
        }

        _timeoutTimer?.Dispose();
        _socket.Dispose();
        _tls?.Dispose();
        if (wakeWriter)
        {
            _writerSignal.Set();
        }

        foreach (var operation in inFlight)
        {
            if (!operation.IsCompleted)
            {
                operation.TrySetException(failure.CreateException());
            }

            operation.Release();
        }

        if (failure.IsDisposal)
        {
            ClientLog.Closed(_logger, EndPoint, inFlight.Count);
        }
        else if (failure.IsProtocolError)
        {
            ClientLog.ProtocolViolation(_logger, EndPoint, failure.Message, inFlight.Count);
        }
        else
        {
            ClientLog.Disconnected(_logger, EndPoint, failure.Message, inFlight.Count);
        }
    }

    private static void ReturnRented(byte[]? array)
    {
        if (array is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(array);
        }
    }

    private void StartLoops()
    {
        _readLoop = ReadLoopAsync();
        _writeLoop = WriteLoopAsync();
        Completion = ReleaseBuffersWhenDoneAsync();
        if (_timeoutMilliseconds > 0)
        {
            var period = Math.Clamp(_timeoutMilliseconds / 10, 5, 500);
            _timeoutTimer = new Timer(static state => ((ClientConnection)state!).ExpireTimedOutRequests(), this, period, period);
        }
    }

    private async Task ReleaseBuffersWhenDoneAsync()
    {
        await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
        _input.Dispose();
        _pending.Dispose();
        _sending.Dispose();
    }

    private void ExpireTimedOutRequests()
    {
        int failed;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            failed = _queue.ExpireUntil(Environment.TickCount64, _createTimeout);
        }

        if (failed > 0)
        {
            ClientLog.RequestsTimedOut(_logger, EndPoint, failed, _operationTimeout);
        }
    }

    private TimeoutException CreateTimeoutException(PendingOperation operation) => new(
        $"The Kv {operation.Kind} request (id {operation.RequestId}) to {EndPoint} did not complete within {_operationTimeout} (OperationTimeout); " +
        $"{_queue.Count} request(s) were in flight. Its response will be read and dropped; the connection stays open.");
}
