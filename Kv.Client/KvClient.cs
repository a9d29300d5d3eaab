using System.Net;
using Kv.Client.Internal;
using Kv.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Client;

/// <summary>
/// A client for a Kv server. One instance holds ONE TCP connection, shared by any number of concurrent callers:
/// requests from all of them are pipelined on it and coalesced into few socket writes, and responses are matched to
/// requests in order (checked by request id). Create one with <see cref="ConnectAsync(string, CancellationToken)"/>
/// and share it for the life of the application; it is thread-safe.
/// <para>
/// Every call returns a <see cref="ValueTask"/> backed by a pooled object: await each one exactly once (or call
/// <c>AsTask()</c> once). Failures are reported as: <see cref="KvConnectionException"/> (connection refused, lost or
/// closed; the next call reconnects by itself), <see cref="KvServerException"/> (the server answered with an error),
/// <see cref="KvProtocolException"/> (the server's stream went out of step; the connection is torn down),
/// <see cref="TimeoutException"/> (<see cref="KvClientOptions.OperationTimeout"/> expired) and
/// <see cref="OperationCanceledException"/> (the caller's token was cancelled). After a timeout or cancellation the
/// request's response is still read and dropped, so the connection stays in step and usable for everyone else; the
/// request itself may or may not have been carried out by the server.
/// </para>
/// <para>Text keys, values and messages travel as UTF-8.</para>
/// <para>
/// Expiry and conditional writes (<see cref="SetAsync(string, string, KvSetOptions, CancellationToken)"/>,
/// <see cref="GetAndSetAsync(string, string, KvSetOptions, CancellationToken)"/>, <c>ExpireAsync</c>, <c>PersistAsync</c>,
/// <c>GetTimeToLiveAsync</c>, <c>GetAndExpireAsync</c>, <c>GetAndPersistAsync</c>) are protocol version 1's expiry
/// commands; a server that predates them answers <see cref="KvServerException"/> with
/// <see cref="ProtocolErrorCode.UnknownCommand"/>, and the connection stays open.
/// </para>
/// </summary>
public sealed partial class KvClient : IAsyncDisposable
{
    private readonly KvClientOptions _options;
    private readonly EndPoint _endPoint;
    private readonly ILogger _logger;
    private readonly Lock _stateLock = new();
    private readonly CancellationTokenSource _disposing = new();
    private volatile ClientConnection? _connection;
    private Task<ClientConnection>? _reconnection;
    private int _failedAttempts;
    private long _nextAttemptAt;
    private volatile bool _disposed;

    // Set when the server refused the credentials: no connection is attempted with them again.
    private KvAuthenticationException? _authenticationFailure;

    // Set when a reconnection's TLS handshake failed on the certificate: not tried again either.
    private KvTlsException? _tlsFailure;

    private KvClient(KvClientOptions options, EndPoint endPoint)
    {
        _options = options;
        _endPoint = endPoint;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Kv.Client");
    }

    /// <summary>The options this client was created with.</summary>
    public KvClientOptions Options => _options;

    /// <summary>
    /// True while the client holds an open connection. False after the connection was lost (the next call reconnects)
    /// or the client was disposed.
    /// </summary>
    public bool IsConnected => _connection?.IsOpen == true && !_disposed;

    /// <summary>
    /// Connects to the server at <paramref name="endPoint"/> with default options, or those of a connection string
    /// (<c>host:port,user=alice,password=secret</c>; see <see cref="KvClientOptions.Parse"/>).
    /// </summary>
    /// <param name="endPoint">The server's address, <c>host:port</c> (see <see cref="KvClientOptions.EndPoint"/>), and any options.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <returns>A connected client.</returns>
    /// <exception cref="ArgumentException"><paramref name="endPoint"/> is not <c>host:port</c>, or has an unknown or malformed option.</exception>
    /// <exception cref="KvAuthenticationException">The server refused the user and password.</exception>
    /// <exception cref="KvConnectionException">The server cannot be reached within the connect timeout, or refused the connection.</exception>
    /// <exception cref="KvProtocolException">Something answered that is not a Kv server.</exception>
    public static ValueTask<KvClient> ConnectAsync(string endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return ConnectAsync(KvClientOptions.Parse(endPoint), cancellationToken);
    }

    /// <summary>
    /// Connects to the server named by <paramref name="options"/>: opens the TCP connection and checks it with a PING,
    /// within <see cref="KvClientOptions.ConnectTimeout"/>. Later connection losses are repaired by the client itself.
    /// </summary>
    /// <param name="options">Where to connect, and how to behave.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <returns>A connected client.</returns>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="KvAuthenticationException">The server refused <see cref="KvClientOptions.User"/> and <see cref="KvClientOptions.Password"/>.</exception>
    /// <exception cref="KvConnectionException">The server cannot be reached within the connect timeout, or refused the connection (<see cref="KvConnectionException.ServerMessage"/> says why, e.g. <c>too many connections</c>).</exception>
    /// <exception cref="KvProtocolException">Something answered that is not a Kv server.</exception>
    public static async ValueTask<KvClient> ConnectAsync(KvClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        EndPointParser.TryParse(options.EndPoint, out var endPoint, out _);
        var client = new KvClient(options, endPoint!);
        try
        {
            client._connection = await ClientConnection.ConnectAsync(options, endPoint!, client._logger, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stores <paramref name="value"/> at <paramref name="key"/>, replacing any previous value.</summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="value">The value (UTF-8); may be empty.</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="value"/> is null.</exception>
    public ValueTask SetAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        return SendWithoutResultAsync(CommandKind.Set, new Argument(key), new Argument(value), cancellationToken);
    }

    /// <summary>Stores <paramref name="value"/> at <paramref name="key"/>, replacing any previous value.</summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="value">The value: any bytes; may be empty. Copied before the call returns.</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    public ValueTask SetAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        SendWithoutResultAsync(CommandKind.Set, new Argument(key), new Argument(value), cancellationToken);

    /// <summary>Reads the value at <paramref name="key"/>.</summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="cancellationToken">Stops waiting for the server.</param>
    /// <returns>The value decoded as UTF-8 (<c>""</c> for an empty value), or null when the key does not exist.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SendAsync<string?, StringDecoder>(CommandKind.Get, new Argument(key), default, cancellationToken);
    }

    /// <summary>Reads the value at <paramref name="key"/>.</summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="cancellationToken">Stops waiting for the server.</param>
    /// <returns>A copy of the value (empty for an empty value), or null when the key does not exist.</returns>
    public ValueTask<byte[]?> GetAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default) =>
        SendAsync<byte[]?, BytesDecoder>(CommandKind.Get, new Argument(key), default, cancellationToken);

    /// <summary>Removes <paramref name="key"/>.</summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>True when a key was removed, false when there was no such key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public ValueTask<bool> ClearAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SendAsync<bool, BooleanDecoder>(CommandKind.Clear, new Argument(key), default, cancellationToken);
    }

    /// <summary>Removes <paramref name="key"/>.</summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>True when a key was removed, false when there was no such key.</returns>
    public ValueTask<bool> ClearAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default) =>
        SendAsync<bool, BooleanDecoder>(CommandKind.Clear, new Argument(key), default, cancellationToken);

    /// <summary>Removes <paramref name="key"/> and returns the value it held, in one atomic step (the same CLEAR command).</summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>The removed value decoded as UTF-8, or null when there was no such key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public ValueTask<string?> GetAndClearAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SendAsync<string?, StringDecoder>(CommandKind.Clear, new Argument(key), default, cancellationToken);
    }

    /// <summary>Removes <paramref name="key"/> and returns the value it held, in one atomic step (the same CLEAR command).</summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>A copy of the removed value, or null when there was no such key.</returns>
    public ValueTask<byte[]?> GetAndClearAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default) =>
        SendAsync<byte[]?, BytesDecoder>(CommandKind.Clear, new Argument(key), default, cancellationToken);

    /// <summary>Checks the server: it echoes <paramref name="message"/>, or answers <c>PONG</c> to none.</summary>
    /// <param name="message">What to echo (UTF-8); null or empty for <c>PONG</c>.</param>
    /// <param name="cancellationToken">Stops waiting for the server.</param>
    /// <returns>The echoed message, or <c>PONG</c>.</returns>
    public ValueTask<string> PingAsync(string? message = null, CancellationToken cancellationToken = default) =>
        SendAsync<string?, StringDecoder>(CommandKind.Ping, default, new Argument(message ?? string.Empty), cancellationToken)!;

    /// <summary>Checks the server: it echoes <paramref name="message"/>, or answers <c>PONG</c> to an empty one.</summary>
    /// <param name="message">What to echo: any bytes; empty for <c>PONG</c>.</param>
    /// <param name="cancellationToken">Stops waiting for the server.</param>
    /// <returns>A copy of the echoed message, or the bytes of <c>PONG</c>.</returns>
    public ValueTask<byte[]> PingAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default) =>
        SendAsync<byte[]?, BytesDecoder>(CommandKind.Ping, default, new Argument(message), cancellationToken)!;

    /// <summary>
    /// Closes the connection. Requests still in flight fail with <see cref="KvConnectionException"/>; later calls throw
    /// <see cref="ObjectDisposedException"/>. Safe to call more than once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        ClientConnection? connection;
        Task<ClientConnection>? reconnection;
        lock (_stateLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connection = _connection;
            reconnection = _reconnection;
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        if (reconnection is not null)
        {
            try
            {
                await reconnection.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The attempt was cancelled or failed; its callers have been told.
            }
        }

        if (connection is not null)
        {
            connection.Abort(ConnectionFailure.Disposed());
            await connection.Completion.ConfigureAwait(false);
        }

        _disposing.Dispose();
    }

    private ValueTask<T> SendAsync<T, TDecoder>(CommandKind kind, Argument key, Argument value, CancellationToken cancellationToken, ushort flags = 0, long time = 0)
        where TDecoder : IResponseDecoder<T>
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = _connection;
        if (connection is not null && connection.IsOpen)
        {
            var operation = connection.TryStart<T, TDecoder>(kind, key, value, cancellationToken, flags, time);
            if (operation is not null)
            {
                return operation.AsValueTask();
            }
        }

        return SendAfterReconnectingAsync<T, TDecoder>(kind, key, value, cancellationToken, flags, time);
    }

    private ValueTask SendWithoutResultAsync(CommandKind kind, Argument key, Argument value, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = _connection;
        if (connection is not null && connection.IsOpen)
        {
            var operation = connection.TryStart<bool, BooleanDecoder>(kind, key, value, cancellationToken);
            if (operation is not null)
            {
                return operation.AsNonGenericValueTask();
            }
        }

        return SendWithoutResultAfterReconnectingAsync(kind, key, value, cancellationToken);
    }

    private async ValueTask SendWithoutResultAfterReconnectingAsync(CommandKind kind, Argument key, Argument value, CancellationToken cancellationToken) =>
        await SendAfterReconnectingAsync<bool, BooleanDecoder>(kind, key, value, cancellationToken).ConfigureAwait(false);

    private async ValueTask<T> SendAfterReconnectingAsync<T, TDecoder>(CommandKind kind, Argument key, Argument value, CancellationToken cancellationToken, ushort flags = 0, long time = 0)
        where TDecoder : IResponseDecoder<T>
    {
        // A connection that dies between being handed out and taking the request is replaced, a bounded number of times.
        const int MaxConnections = 3;
        for (var attempt = 1; ; attempt++)
        {
            var connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
            var operation = connection.TryStart<T, TDecoder>(kind, key, value, cancellationToken, flags, time);
            if (operation is not null)
            {
                return await operation.AsValueTask().ConfigureAwait(false);
            }

            if (attempt == MaxConnections)
            {
                throw connection.Failure?.CreateException() ?? new KvConnectionException($"The connection to the Kv server at {_options.EndPoint} was lost.");
            }
        }
    }
}
