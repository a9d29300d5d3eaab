using System.Collections.Concurrent;
using System.Net.Sockets;
using Kv.Server.Diagnostics;

namespace Kv.Server.Networking.Tls;

/// <summary>
/// The TLS port's connections under the sockets transport (the event loops serve theirs themselves, with a
/// <see cref="TlsSession"/>): an accept loop and one <see cref="TlsConnection"/> per socket. They share the plain
/// port's <see cref="ConnectionServices"/>: one connection count and limit (a connection counts from accept, handshake
/// included), one client memory budget, the same users.
/// </summary>
internal sealed class TlsTransport(ConnectionServices services, TlsCertificates certificates) : IServerTransport
{
    private const int AcceptPauseMilliseconds = 100;

    private readonly ConcurrentDictionary<long, (TlsConnection Connection, Task Task)> _connections = new();
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _acceptLoop = Task.CompletedTask;
    private Timer? _idleSweep;

    public void Start(Socket listener)
    {
        var idle = services.Options.IdleTimeout;
        if (idle > TimeSpan.Zero)
        {
            var period = TimeSpan.FromMilliseconds(Math.Clamp(idle.TotalMilliseconds / 4, 10, 1000));
            _idleSweep = new Timer(static state => ((TlsTransport)state!).CloseIdleConnections(), this, period, period);
        }

        _acceptLoop = AcceptLoopAsync(listener);
    }

    public async Task StopAsync(TimeSpan timeout)
    {
        _stopAccepting.Cancel();
        await _acceptLoop.ConfigureAwait(false);
        if (_idleSweep is not null)
        {
            await _idleSweep.DisposeAsync().ConfigureAwait(false);
        }

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

    private async Task AcceptLoopAsync(Socket listener)
    {
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
                services.AcceptAborted();
                ServerLog.AcceptAborted(services.Logger, e.SocketErrorCode);
                continue;
            }
            catch (Exception e)
            {
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
                // Over the limit: closed at once. A TLS client could not read the plain-text ERROR the plain port sends
                // (there is no session to send it in), and a handshake just to refuse would cost what the limit protects.
                socket.Dispose();
                continue;
            }

            services.ConfigureAccepted(socket);

            ServerLog.ConnectionAccepted(services.Logger, id, socket.RemoteEndPoint);
            TlsConnection connection;
            try
            {
                connection = new TlsConnection(id, socket, services);
            }
            catch (OutOfMemoryException e)
            {
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

    private async Task ServeAsync(TlsConnection connection, Task registered)
    {
        await registered.ConfigureAwait(false);
        try
        {
            // The certificate current now: a reload (SIGHUP) changes it for the handshakes that start after it.
            await connection.RunAsync(certificates.CreateServerOptions(), services.Options.TlsHandshakeTimeout, services.TlsHandshakeFailureLog, _stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection.Id, out _);
            services.Closed();
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
