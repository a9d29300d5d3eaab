using Kv.Epoll;
using System.Net.Sockets;
using Kv.Server.Diagnostics;

namespace Kv.Server.Networking.EventLoop;

/// <summary>
/// Connections served by Kv's own event loops: one <see cref="EventLoop"/> per event thread. The first loop also accepts
/// (non-blocking listeners in its epoll set: the plain port's, and the TLS port's when there is one) and hands each new
/// connection to the loops in turn, so one connection is served by one thread for its whole life, TLS included.
/// </summary>
internal sealed class EventLoopTransport : IServerTransport
{
    // How long accepting pauses when the process is out of descriptors or memory: the condition passes as connections
    // close, and an accept retried at once would fail again in a loop.
    private const int AcceptPauseMilliseconds = 100;

    private readonly ConnectionServices _services;
    private readonly int _threads;
    private readonly (int IdleSeconds, int IntervalSeconds, int Probes)? _keepAlive;
    private EventLoop[] _loops = [];
    private int _listenerFd;
    private int _tlsListenerFd = -1;
    private Tls.TlsCertificates? _certificates;
    private int _next;
    private bool _accepting;

    public EventLoopTransport(ConnectionServices services, int threads)
    {
        _services = services;
        _keepAlive = services.Options.ResolveKeepAlive();
        _threads = threads;
    }

    /// <summary>Serves a TLS port beside the plain one, on the same loops; call before <see cref="Start"/>.</summary>
    public void ServeTls(Socket listener, Tls.TlsCertificates certificates)
    {
        listener.Blocking = false;
        _tlsListenerFd = (int)listener.Handle;
        _certificates = certificates;
    }

    public void Start(Socket listener)
    {
        var port = ((System.Net.IPEndPoint)listener.LocalEndPoint!).Port;
        _loops = Enumerable.Range(0, _threads).Select(i => new EventLoop(i, port, _services)).ToArray();
        listener.Blocking = false;
        _listenerFd = (int)listener.Handle;
        _accepting = true;
        foreach (var loop in _loops)
        {
            loop.Start();
        }

        _loops[0].Post(_ =>
        {
            _loops[0].WatchListener(_listenerFd, tls: false, () => Accept(_listenerFd, tls: false));
            if (_tlsListenerFd >= 0)
            {
                _loops[0].WatchListener(_tlsListenerFd, tls: true, () => Accept(_tlsListenerFd, tls: true));
            }
        }, null);
    }

    public async Task StopAsync(TimeSpan timeout)
    {
        var stoppedAccepting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loops[0].Post(_ =>
        {
            _accepting = false;
            _loops[0].UnwatchListener(_listenerFd);
            if (_tlsListenerFd >= 0)
            {
                _loops[0].UnwatchListener(_tlsListenerFd);
            }

            stoppedAccepting.SetResult();
        }, null);
        await stoppedAccepting.Task.ConfigureAwait(false);

        ServerLog.ShuttingDown(_services.Logger, _services.ConnectionCount);
        foreach (var loop in _loops)
        {
            loop.Post(static state => ((EventLoop)state!).BeginStop(), loop);
        }

        var exited = Task.WhenAll(_loops.Select(l => l.Exited));
        try
        {
            await exited.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            ServerLog.ShutdownTimedOut(_services.Logger, _services.ConnectionCount);
            foreach (var loop in _loops)
            {
                loop.Post(static state => ((EventLoop)state!).AbortAll(), loop);
            }

            await exited.ConfigureAwait(false);
        }

        foreach (var loop in _loops)
        {
            loop.Dispose();
        }
    }

    /// <summary>The bytes the loops' threads have allocated since they started (read on each loop's thread, in its next turn).</summary>
    public async Task<long> AllocatedBytesAsync()
    {
        var readings = _loops.Select(loop =>
        {
            var reading = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.Post(static state => ((TaskCompletionSource<long>)state!).SetResult(GC.GetAllocatedBytesForCurrentThread()), reading);
            return reading.Task;
        }).ToArray();
        return (await Task.WhenAll(readings).ConfigureAwait(false)).Sum();
    }

    // On the first loop, whenever a listener is ready: accept everything that waits, and hand it out.
    private void Accept(int listenerFd, bool tls)
    {
        while (_accepting)
        {
            var fd = Native.Accept(listenerFd);
            if (fd < 0)
            {
                var error = Native.LastError;
                switch (error)
                {
                    case Native.EAGAIN or Native.EINTR:
                        return;
                    case Native.ECONNABORTED:
                        // The client gave up while its connection waited in the backlog.
                        _services.AcceptAborted();
                        ServerLog.AcceptAborted(_services.Logger, SocketError.ConnectionAborted);
                        continue;
                    default:
                        // Out of descriptors (EMFILE, ENFILE) or memory: pause accepting instead of spinning on the error,
                        // as Redis and Kestrel do; what waits stays in the backlog meanwhile.
                        if (_services.AcceptFailureLog.TryLog(out var suppressed))
                        {
                            ServerLog.AcceptPaused(_services.Logger, error, System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(error), AcceptPauseMilliseconds, suppressed, _services.AcceptFailureLog.Seconds);
                        }

                        PauseAccepting(listenerFd, tls);
                        return;
                }
            }

            Admit(fd, tls);
        }
    }

    // One accepted descriptor: served, refused, or (when even that fails: memory, say) closed, with the counts undone.
    private void Admit(int fd, bool tls)
    {
        var id = _services.TryAdmit();
        if (id == 0)
        {
            if (tls)
            {
                // Closed at once: a TLS client could not read the plain-text ERROR the plain port sends (there is no session
                // to send it in), and a handshake just to refuse would cost what the limit protects.
                Native.Close(fd);
            }
            else if (!_services.TryBeginRefusal())
            {
                // Enough refusals linger already: told (if the socket buffer takes it, as it does a fresh one) and closed.
                Native.Send(fd, _services.TooManyConnectionsResponse.Span);
                Native.Close(fd);
            }
            else if (!LoopConnection.TryRefuse(fd, _loops[0]))
            {
                Native.Close(fd);
                _services.RefusalEnded();
            }

            return;
        }

        LoopConnection connection;
        EventLoop loop;
        Tls.TlsSession? session = null;
        try
        {
            Native.SetNoDelay(fd);
            if (_keepAlive is { } keepAlive)
            {
                Native.SetKeepAlive(fd, keepAlive.IdleSeconds, keepAlive.IntervalSeconds, keepAlive.Probes);
            }

            ServerLog.ConnectionAccepted(_services.Logger, id, Native.PeerAddress(fd));
            loop = _loops[_next++ % _loops.Length];
            // The certificate current now: a reload (SIGHUP) changes it for the handshakes that start after it.
            session = tls ? new Tls.TlsSession(_certificates!.CreateServerOptions()) : null;
            connection = new LoopConnection(id, fd, loop, session);
        }
        catch (Exception e)
        {
            session?.Dispose();
            Native.Close(fd);
            _services.Closed();
            ServerLog.ConnectionFailed(_services.Logger, id, e);
            return;
        }

        if (loop == _loops[0])
        {
            loop.Register(connection);
        }
        else
        {
            loop.Post(static state => { var c = (LoopConnection)state!; c.Loop.Register(c); }, connection);
        }
    }

    private void PauseAccepting(int listenerFd, bool tls)
    {
        var loop = _loops[0];
        loop.SetListenerInterest(listenerFd, tls, false);
        _ = Task.Delay(AcceptPauseMilliseconds).ContinueWith(
            _ => loop.Post(_ =>
            {
                if (_accepting)
                {
                    loop.SetListenerInterest(listenerFd, tls, true);
                }
            }, null),
            TaskScheduler.Default);
    }
}
