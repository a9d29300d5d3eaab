using System.Buffers;
using Kv.Epoll;
using Kv.Server.Diagnostics;

namespace Kv.Server.Networking.EventLoop;

/// <summary>How a connection ends: refused at the door, closed after an error with a linger, aborted, or failed.</summary>
internal sealed partial class LoopConnection
{
    /// <summary>
    /// A connection over the limit: it is told so, then closed once its client closes or after the linger time. It is not
    /// counted among the server's connections.
    /// </summary>
    /// <returns>False when the refusal could not even be set up (no memory): the caller closes the descriptor.</returns>
    public static bool TryRefuse(int fd, EventLoop loop)
    {
        LoopConnection connection;
        try
        {
            connection = new LoopConnection(0, fd, loop) { _counted = false, _fatal = true };
        }
        catch (OutOfMemoryException)
        {
            return false;
        }

        loop.Register(connection);
        if (connection._closed)
        {
            // Registering failed; closing it ended the refusal.
            return true;
        }

        connection._output.Write(loop.Services.TooManyConnectionsResponse.Span);
        connection._dirty = true;
        loop.MarkDirty(connection);
        return true;
    }

    /// <summary>Closes at once, with a reset (as the sockets transport's abort does): idle timeout, shutdown timeout.</summary>
    public void Abort()
    {
        if (!_closed)
        {
            _abortive = true;
            Native.SetAbortiveClose(Fd);
            Close();
        }
    }

    /// <summary>Something the connection did threw (a bug, or memory that could not be had): it alone is closed.</summary>
    public void Crash(Exception e)
    {
        ServerLog.ConnectionFailed(_services.Logger, Id, e);
        Close();
    }

    /// <summary>Whether the connection has been closed (its descriptor is gone).</summary>
    public bool IsClosed => _closed;

    /// <summary>A system call failed in a way that ends the connection.</summary>
    public void Fail(string what, int error)
    {
        ServerLog.ConnectionSystemCallFailed(_services.Logger, Id, what, error);
        Close();
    }

    /// <summary>After an error answer: closes once the client has closed its side, or the linger time is over.</summary>
    public void CheckLinger(long now)
    {
        if (now >= _lingerDeadline)
        {
            Close();
        }
    }

    private void CloseWhenSent()
    {
        _closeAfterFlush = true;
        if (!_dirty && !_queued && !OutputPending)
        {
            Close();
        }
    }

    private void DrainAfterError()
    {
        Span<byte> scratch = stackalloc byte[4096];
        while (true)
        {
            var received = Native.Receive(Fd, scratch);
            if (received > 0)
            {
                continue;
            }

            if (received == 0 || Native.LastError is not (Native.EAGAIN or Native.EINTR))
            {
                Close();
            }

            return;
        }
    }

    private void Close()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        if (_tls is { } tls)
        {
            // Whatever a broken session throws, the descriptor is closed and the counts go down: a close that throws
            // would leave both behind, and a crash that closes again would end the loop.
            try
            {
                if (!_abortive && !_draining)
                {
                    SayGoodbyeInTls();
                }
            }
            catch (Exception e)
            {
                ServerLog.TlsSessionFailed(_services.Logger, Id, e.Message);
            }
            finally
            {
                _loop.HandshakeEnded(this);
                tls.Dispose();
            }
        }

        _loop.Unwatch(this);
        Native.Close(Fd);
        _input.Dispose();
        _output.Dispose();
        if (_counted)
        {
            _services.Closed();
            ServerLog.ConnectionClosed(_services.Logger, Id, _frames.Requests);
        }
        else
        {
            _services.RefusalEnded();
        }

        // Last: the loop's last connection leaving ends a stop, whose waiter may then read the connection count at once
        // (on another thread), so the count must already be down.
        _loop.Unregister(this);
    }
}
