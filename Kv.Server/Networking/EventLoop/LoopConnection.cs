using Kv.Epoll;
using System.Buffers;
using Kv.Protocol.Buffers;
using Kv.Server.Diagnostics;
using Kv.Server.Networking.Tls;
using Kv.Storage.Persistence;

namespace Kv.Server.Networking.EventLoop;

/// <summary>
/// One client's connection on an <see cref="EventLoop"/>: a non-blocking socket read once per turn when ready, its whole
/// frames run at once (<see cref="FrameProcessor"/>), and the responses sent at the end of the turn (with persistence,
/// once the loop has committed the turn's writes). While responses wait to be sent (a client that does not read), the
/// connection is not read: backpressure on this connection alone, and what it can make the server hold is bounded by the
/// frame limit plus the send buffer limit.
/// Everything here runs on the loop's thread.
/// </summary>
internal sealed partial class LoopConnection
{
    /// <summary>What the loop waits for while the connection is read: data, or the peer closing.</summary>
    public const int ReadInterest = Native.EpollIn | Native.EpollRdHup;

    private const int WriteInterest = Native.EpollOut;
    private const int NoInterest = 0;
    private const long LingerAfterErrorMilliseconds = 1000;

    private readonly EventLoop _loop;
    private readonly ConnectionServices _services;
    private readonly ReceiveBuffer _input;
    private readonly PooledBufferWriter _output;
    private readonly FrameProcessor _frames;
    private readonly TlsSession? _tls;
    private int _interest = ReadInterest;
    private int _sent;
    private long _lingerDeadline;
    private bool _dirty;
    private bool _queued;
    private bool _closeAfterFlush;
    private bool _fatal;
    private bool _draining;
    private bool _stopping;
    private bool _closed;
    private bool _counted = true;
    private bool _paused;
    private bool _abortive;

    /// <param name="id">The connection's id (0 for a refused one).</param>
    /// <param name="fd">The accepted, non-blocking socket.</param>
    /// <param name="loop">The loop that serves it.</param>
    /// <param name="tls">The connection's TLS session when it came to the TLS port; its handshake starts on registration.</param>
    public LoopConnection(long id, int fd, EventLoop loop, TlsSession? tls = null)
    {
        Id = id;
        Fd = fd;
        _loop = loop;
        _tls = tls;
        _services = loop.Services;
        _frames = _services.CreateFrames(id, () => Native.PeerAddress(fd), out _input, out _output);

        LastActivity = Environment.TickCount64;
    }

    public long Id { get; }

    public int Fd { get; }

    public EventLoop Loop => _loop;

    /// <summary>The loop's token for this connection's epoll events.</summary>
    public ulong Token { get; set; }

    /// <summary>Whether responses (or, over TLS, ciphertext) wait to be sent.</summary>
    private bool OutputPending => _sent < _output.WrittenCount || _tls is { HasOutgoing: true };

    /// <summary>When a byte was last received or sent (<see cref="Environment.TickCount64"/>).</summary>
    public long LastActivity { get; private set; }

    public void OnEvents(int events)
    {
        if (_closed)
        {
            return;
        }

        if (_draining)
        {
            DrainAfterError();
            return;
        }

        if (_paused && (events & (Native.EpollHup | Native.EpollErr)) != 0)
        {
            // Not read while an AUTH is checked, but these are reported whatever the interest: the client is gone.
            Close();
            return;
        }

        if ((events & Native.EpollOut) != 0 && _interest == WriteInterest)
        {
            if (!Flush())
            {
                return;
            }

            AfterFlushed();
            return;
        }

        if (_tls is { Established: false })
        {
            ContinueHandshake();
            return;
        }

        if (_interest == ReadInterest && (events & (Native.EpollIn | Native.EpollRdHup | Native.EpollHup | Native.EpollErr)) != 0)
        {
            Read();
        }
    }

    /// <summary>Runs the whole frames received, unless responses are still waiting to go out.</summary>
    public void ProcessInput()
    {
        _queued = false;
        if (_closed || _paused || OutputPending && _interest == WriteInterest)
        {
            return;
        }

        var outcome = _frames.Process();

        // Over TLS, input may wait decrypted in the session (more than the receive buffer took), which no socket event
        // announces: it is taken once the buffer's whole frames are answered, as a plain connection would receive again.
        while (outcome == BatchOutcome.NeedMoreData && _tls is { HasPlaintext: true } && ReceiveTls() > 0)
        {
            outcome = _frames.Process();
        }

        if (_output.WrittenCount > _sent && !_dirty)
        {
            _dirty = true;
            _loop.MarkDirty(this);
        }

        switch (outcome)
        {
            case BatchOutcome.NeedMoreData:
                if (_tls is { HasPlaintext: true })
                {
                    QueueForNextTurn();
                }
                else if (_stopping || _tls is { Ended: true })
                {
                    // A TLS client's close_notify ends its input as a plain client's FIN does.
                    CloseWhenSent();
                }

                break;
            case BatchOutcome.SendBufferFull:
                // The rest of what was received gets its turn after these responses are sent.
                QueueForNextTurn();
                break;
            case BatchOutcome.OutputLimitExceeded:
                Abort();
                break;
            case BatchOutcome.Paused:
                Pause();
                break;
            default:
                _fatal = true;
                break;
        }
    }

    /// <summary>
    /// At the end of a turn: sends the turn's responses, once the loop has committed the turn's writes. When the log
    /// could not make them durable (a full disk), the writes are answered ERROR instead; when it failed, the connection
    /// closes without them, since nothing more may be acknowledged.
    /// </summary>
    public void EndTurn(CommitOutcome outcome)
    {
        _dirty = false;
        if (_closed)
        {
            return;
        }

        switch (outcome)
        {
            case CommitOutcome.Failed:
                ServerLog.ClosedOnLogFailure(_services.Logger, Id);
                Close();
                return;
            case CommitOutcome.NotDurable:
                _frames.RefuseUncommittedWrites();
                break;
            default:
                _frames.WritesCommitted();
                break;
        }

        if (Flush())
        {
            AfterFlushed();
        }
    }

    /// <summary>Graceful shutdown: answer what was received, including what waits in the kernel, then close.</summary>
    public void BeginStop()
    {
        _stopping = true;
        if (_closed || _draining)
        {
            return;
        }

        if (_tls is { Established: false })
        {
            Close();
            return;
        }

        while (!_closed && !_queued && !_paused && _interest == ReadInterest && ReceiveOnce() > 0)
        {
            ProcessInput();
        }

        if (_paused)
        {
            // An AUTH is being checked: Resume answers it and what came behind it, then, stopping, closes.
            return;
        }

        CloseWhenSent();
    }

    private void Read()
    {
        var received = ReceiveOnce();
        if (received > 0)
        {
            ProcessInput();
        }
        else if (received == 0)
        {
            // The client closed its side: whole frames were run; answer them, then close.
            if (_input.Length > 0)
            {
                ServerLog.ClosedMidFrame(_services.Logger, Id, _input.Length);
            }

            CloseWhenSent();
        }
    }

    // Returns the bytes received, 0 when the peer closed, -1 when nothing is there now (or the connection failed).
    private long ReceiveOnce()
    {
        if (_tls is not null)
        {
            return ReceiveTls();
        }

        var received = Native.Receive(Fd, _input.GetFreeSpace().Span);
        if (received > 0)
        {
            LastActivity = Environment.TickCount64;
            _input.Commit((int)received);
            return received;
        }

        if (received == 0)
        {
            return 0;
        }

        var error = Native.LastError;
        if (error is not (Native.EAGAIN or Native.EINTR))
        {
            Fail("receive", error);
        }

        return -1;
    }

    // Sends what is pending; false when the client cannot take it all now (or the connection closed).
    private bool Flush()
    {
        if (_tls is not null)
        {
            return FlushTls();
        }

        while (_sent < _output.WrittenCount)
        {
            var sent = SendSome(_output.WrittenSpan.Slice(_sent));
            if (sent == 0)
            {
                return false;
            }

            _sent += sent;
        }

        _output.Reset();
        _sent = 0;
        return true;
    }

    // Sends what the socket takes of the bytes: how many, or 0 when it takes nothing now (the loop then waits until it
    // can write) or the connection failed.
    private int SendSome(ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            var sent = Native.Send(Fd, bytes);
            if (sent > 0)
            {
                LastActivity = Environment.TickCount64;
                return (int)sent;
            }

            var error = Native.LastError;
            if (error == Native.EINTR)
            {
                continue;
            }

            if (error == Native.EAGAIN)
            {
                SetInterest(WriteInterest);
            }
            else
            {
                Fail("send", error);
            }

            return 0;
        }
    }

    private void AfterFlushed()
    {
        if (_fatal)
        {
            // The error answer is out: send FIN, then read and discard briefly, so that closing with unread input (which
            // makes the kernel send RST) does not destroy the answer before the client reads it.
            SayGoodbyeInTls();
            Native.ShutdownWrite(Fd);
            _draining = true;
            _lingerDeadline = Environment.TickCount64 + LingerAfterErrorMilliseconds;
            SetInterest(ReadInterest);
            _loop.Linger(this);
            return;
        }

        if (_closeAfterFlush)
        {
            Close();
            return;
        }

        // While an AUTH is checked the connection is not read: what its client sends waits in the kernel.
        SetInterest(_paused ? NoInterest : ReadInterest);

        // Input may wait in the receive buffer, or, over TLS, decrypted in the session (which no socket event announces).
        if ((_input.Length > 0 || _tls is { HasPlaintext: true }) && !_queued)
        {
            ProcessInput();
        }
    }

    private void QueueForNextTurn()
    {
        if (!_queued)
        {
            _queued = true;
            _loop.ProcessNextTurn(this);
        }
    }

    private void SetInterest(int events)
    {
        if (_interest != events && !_closed)
        {
            _interest = events;
            _loop.SetInterest(this, events);
        }
    }

}
