using System.Collections.Concurrent;
using System.Net.Sockets;
using Kv.Server.Diagnostics;

namespace Kv.Server.Networking.Sockets;

/// <summary>
/// Connections served by the runtime's socket engine: an accept loop per listener, and one <see cref="SocketConnection"/>
/// per plain socket (or <see cref="Tls.TlsConnection"/> per socket of the TLS port) whose completions run inline on the
/// engine's event threads (set process-wide, at start, by <c>kv-server</c>). The transport for platforms without epoll.
/// </summary>
internal sealed class SocketTransport(ConnectionServices services) : IServerTransport
{
    private static readonly TimeSpan RejectLinger = TimeSpan.FromSeconds(1);

    // How long accepting pauses after a failed accept (out of descriptors), as the event loop's.
    private const int AcceptPauseMilliseconds = 100;

    private readonly ConcurrentDictionary<long, (ServedConnection Connection, Task Task)> _connections = new();
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _acceptLoop = Task.CompletedTask;
    private Timer? _idleSweep;
    private Socket? _tlsListener;
    private Tls.TlsCertificates? _certificates;

    /// <summary>Serves a TLS port beside the plain one; call before <see cref="Start"/>.</summary>
    public void ServeTls(Socket listener, Tls.TlsCertificates certificates)
    {
        _tlsListener = listener;
        _certificates = certificates;
    }

    public void Start(Socket listener)
    {
        var idle = services.Options.IdleTimeout;
        if (idle > TimeSpan.Zero)
        {
            var period = TimeSpan.FromMilliseconds(Math.Clamp(idle.TotalMilliseconds / 4, 10, 1000));
            _idleSweep = new Timer(static state => ((SocketTransport)state!).CloseIdleConnections(), this, period, period);
        }

        _acceptLoop = _tlsListener is null
            ? AcceptLoopAsync(listener, tls: false)
            : Task.WhenAll(AcceptLoopAsync(listener, tls: false), AcceptLoopAsync(_tlsListener, tls: true));
    }

    public async Task StopAsync(TimeSpan timeout)
    {
        _stopAccepting.Cancel();
        await _acceptLoop.ConfigureAwait(false);
        if (_idleSweep is not null)
        {
            await _idleSweep.DisposeAsync().ConfigureAwait(false);
        }

        ServerLog.ShuttingDown(services.Logger, services.ConnectionCount);
        _stopping.Cancel();
        var running = _connections.Values.Select(c => c.Task).ToArray();
        try
        {
            await Task.WhenAll(running).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var left = _connections.Values.ToArray();
            ServerLog.ShutdownTimedOut(services.Logger, left.Length);
            foreach (var (connection, _) in left)
            {
                connection.Abort();
            }

            await Task.WhenAll(left.Select(c => c.Task)).ConfigureAwait(false);
        }

        _stopAccepting.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, bool tls)
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
                services.AcceptAborted();
                ServerLog.AcceptAborted(services.Logger, e.SocketErrorCode);
                continue;
            }
            catch (Exception e)
            {
                // For example EMFILE when out of file descriptors: pause accepting (what waits stays in the backlog), log
                // once per interval, and keep serving the others.
                if (services.AcceptFailureLog.TryLog(out var suppressed))
                {
                    ServerLog.AcceptFailed(services.Logger, e.Message, AcceptPauseMilliseconds, suppressed, services.AcceptFailureLog.Seconds);
                }

                await Task.Delay(AcceptPauseMilliseconds).ConfigureAwait(false);
                continue;
            }

            var id = services.TryAdmit();
            if (id == 0)
            {
                if (tls)
                {
                    // Closed at once: a TLS client could not read the plain-text ERROR the plain port sends (there is no
                    // session to send it in), and a handshake just to refuse would cost what the limit protects.
                    socket.Dispose();
                }
                else if (services.TryBeginRefusal())
                {
                    _ = RejectAsync(socket);
                }
                else
                {
                    // Enough refusals linger already: told (if the socket buffer takes it, as it does a fresh one) and closed.
                    Reject(socket);
                }

                continue;
            }

            services.ConfigureAccepted(socket);

            ServerLog.ConnectionAccepted(services.Logger, id, socket.RemoteEndPoint);
            ServedConnection connection;
            try
            {
                // A TLS connection gets the certificate current now: a reload (SIGHUP) changes it for later handshakes.
                connection = tls
                    ? new Tls.TlsConnection(id, socket, services, _certificates!.CreateServerOptions())
                    : new SocketConnection(id, socket, services);
            }
            catch (OutOfMemoryException e)
            {
                // No memory for its buffers: this connection alone is given up.
                socket.Dispose();
                services.Closed();
                ServerLog.ConnectionFailed(services.Logger, id, e);
                continue;
            }

            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[id] = (connection, ServeAsync(connection, started.Task));
            started.SetResult();
        }
    }

    private async Task ServeAsync(ServedConnection connection, Task registered)
    {
        await registered.ConfigureAwait(false);
        try
        {
            await connection.RunAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection.Id, out _);
            services.Closed();
        }
    }

    // Over the limit: say so, then close without leaving an RST behind.
    private void Reject(Socket socket)
    {
        using (socket)
        {
            try
            {
                socket.Blocking = false;
                socket.Send(services.TooManyConnectionsResponse.Span, SocketFlags.None, out _);
            }
            catch (SocketException)
            {
                // The client left already.
            }
        }
    }

    private async Task RejectAsync(Socket socket)
    {
        try
        {
            using (socket)
            {
                await socket.SendAsync(services.TooManyConnectionsResponse, SocketFlags.None).ConfigureAwait(false);
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
        finally
        {
            services.RefusalEnded();
        }
    }

    private void CloseIdleConnections()
    {
        var now = Environment.TickCount64;
        var limit = (long)services.Options.IdleTimeout.TotalMilliseconds;
        foreach (var (connection, _) in _connections.Values)
        {
            if (now - connection.LastActivity > limit)
            {
                ServerLog.IdleTimeout(services.Logger, connection.Id, services.Options.IdleTimeout);
                connection.Abort();
            }
        }
    }
}
