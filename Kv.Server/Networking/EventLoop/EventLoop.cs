using Kv.Epoll;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Kv.Server.Diagnostics;
using Kv.Storage.Persistence;

namespace Kv.Server.Networking.EventLoop;

/// <summary>
/// One event loop: a thread that waits on an epoll set of non-blocking connections and serves them in turns. Each turn,
/// every connection that is ready is read once and its whole frames run (a connection with more to give gets its next
/// share in the next turn: fairness without a scheduler), then every connection with responses is written to. Other
/// threads reach a loop only by posting work to it (<see cref="Post"/>), which wakes it through an eventfd; everything a
/// loop's connections own is touched by the loop's thread alone.
/// </summary>
internal sealed unsafe partial class EventLoop : IDisposable
{
    private const ulong WakeToken = ulong.MaxValue;
    private const ulong ListenerToken = ulong.MaxValue - 1;
    private const ulong TlsListenerToken = ulong.MaxValue - 2;
    private const int MaxEvents = 256;

    // How often handshakes are checked against their deadline: a timeout of seconds needs no finer clock.
    private const long HandshakeCheckPeriod = 100;

    private readonly ConnectionServices _services;
    private readonly int _epoll;
    private readonly int _wakeFd;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<(Action<object?> Action, object? State)> _posted = new();
    private readonly List<LoopConnection?> _slots = [];
    private readonly List<uint> _generations = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly List<LoopConnection> _dirty = [];
    private readonly List<LoopConnection> _again = [];
    private readonly List<LoopConnection> _lingering = [];
    private readonly HashSet<LoopConnection> _handshaking = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _idleSweepPeriod;
    private int _wakePending;
    private Action? _onListenerReady;
    private Action? _onTlsListenerReady;
    private long _nextIdleSweep;
    private long _nextHandshakeCheck;
    private bool _stopping;

    /// <summary>Creates a loop; its thread is named <c>kv-loop-PORT-INDEX</c> (the server's port), as tools show it.</summary>
    public EventLoop(int index, int port, ConnectionServices services)
    {
        Index = index;
        _services = services;
        _epoll = Native.CreateEpoll();
        _wakeFd = Native.CreateEventFd();
        if (_epoll < 0 || _wakeFd < 0 || Native.Add(_epoll, _wakeFd, Native.EpollIn, WakeToken) != 0)
        {
            throw new IOException($"Cannot create an event loop: error {Native.LastError}.");
        }

        var idle = services.Options.IdleTimeout;
        _idleSweepPeriod = idle > TimeSpan.Zero ? (long)Math.Clamp(idle.TotalMilliseconds / 4, 10, 1000) : long.MaxValue;
        _thread = new Thread(Run) { IsBackground = true, Name = $"kv-loop-{port}-{index}" };
    }

    public int Index { get; }

    /// <summary>Completes when the loop's thread has ended (after a graceful stop, every connection closed).</summary>
    public Task Exited => _exited.Task;

    public ConnectionServices Services => _services;

    public bool IsLoopThread => Thread.CurrentThread == _thread;

    public void Start() => _thread.Start();

    /// <summary>Runs <paramref name="action"/> on the loop's thread, in the next turn.</summary>
    public void Post(Action<object?> action, object? state)
    {
        _posted.Enqueue((action, state));
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            Native.Signal(_wakeFd);
        }
    }

    /// <summary>
    /// Watches a listening socket (the plain port's, or the TLS port's); <paramref name="onReady"/> runs on this loop
    /// whenever it has connections.
    /// </summary>
    public void WatchListener(int fd, bool tls, Action onReady)
    {
        if (tls)
        {
            _onTlsListenerReady = onReady;
        }
        else
        {
            _onListenerReady = onReady;
        }

        SetListenerInterest(fd, tls, true);
    }

    /// <summary>Turns a listener's readiness events on or off (off: accepting pauses, as when out of descriptors).</summary>
    public void SetListenerInterest(int fd, bool tls, bool on)
    {
        var token = tls ? TlsListenerToken : ListenerToken;
        if (Native.Modify(_epoll, fd, on ? Native.EpollIn : 0, token) != 0)
        {
            Native.Add(_epoll, fd, on ? Native.EpollIn : 0, token);
        }
    }

    /// <summary>Stops watching a listener (at shutdown).</summary>
    public void UnwatchListener(int fd) => Native.Remove(_epoll, fd);

    /// <summary>Adds a connection to the loop (on the loop's thread) and starts reading it.</summary>
    public void Register(LoopConnection connection)
    {
        int slot;
        if (_freeSlots.Count > 0)
        {
            slot = _freeSlots.Pop();
            _slots[slot] = connection;
        }
        else
        {
            slot = _slots.Count;
            _slots.Add(connection);
            _generations.Add(0);
        }

        connection.Token = ((ulong)_generations[slot] << 32) | (uint)slot;
        if (Native.Add(_epoll, connection.Fd, LoopConnection.ReadInterest, connection.Token) != 0)
        {
            connection.Fail("cannot watch the connection", Native.LastError);
            return;
        }

        if (_stopping)
        {
            connection.BeginStop();
        }
        else if (connection.UsesTls)
        {
            try
            {
                connection.StartTls();
            }
            catch (Exception e)
            {
                connection.Crash(e);
            }
        }
    }

    /// <summary>A TLS connection's handshake began: it is closed if it has not ended by its deadline.</summary>
    public void HandshakeStarted(LoopConnection connection) => _handshaking.Add(connection);

    /// <summary>A TLS connection's handshake ended (done, failed, or the connection closed).</summary>
    public void HandshakeEnded(LoopConnection connection) => _handshaking.Remove(connection);

    /// <summary>Changes what the loop waits for on a connection.</summary>
    public void SetInterest(LoopConnection connection, int events)
    {
        if (Native.Modify(_epoll, connection.Fd, events, connection.Token) != 0)
        {
            connection.Fail("cannot watch the connection", Native.LastError);
        }
    }

    /// <summary>Stops watching a connection's descriptor, before it is closed.</summary>
    public void Unwatch(LoopConnection connection) => Native.Remove(_epoll, connection.Fd);

    /// <summary>Forgets a closed connection (after <see cref="Unwatch"/>); the last one leaving ends a stop.</summary>
    public void Unregister(LoopConnection connection)
    {
        var slot = (int)(uint)connection.Token;
        if (slot < _slots.Count && ReferenceEquals(_slots[slot], connection))
        {
            _slots[slot] = null;
            _generations[slot]++;
            _freeSlots.Push(slot);
        }

        _lingering.Remove(connection);
        if (_stopping && LiveConnections() == 0)
        {
            _exited.TrySetResult();
        }
    }

    /// <summary>The connection has responses to send at the end of this turn.</summary>
    public void MarkDirty(LoopConnection connection) => _dirty.Add(connection);

    /// <summary>The connection has received bytes left to process: it gets another share next turn.</summary>
    public void ProcessNextTurn(LoopConnection connection) => _again.Add(connection);

    /// <summary>The connection is closing after an error and waits, for a moment, for its client to close first.</summary>
    public void Linger(LoopConnection connection) => _lingering.Add(connection);

    /// <summary>Graceful stop, on the loop's thread: every connection answers what it has received and closes.</summary>
    public void BeginStop()
    {
        _stopping = true;
        foreach (var connection in Connections())
        {
            connection.BeginStop();
        }

        if (LiveConnections() == 0)
        {
            _exited.TrySetResult();
        }
    }

    /// <summary>Closes every connection at once (the shutdown timeout passed), on the loop's thread.</summary>
    public void AbortAll()
    {
        foreach (var connection in Connections())
        {
            connection.Abort();
        }

        _exited.TrySetResult();
    }

    public int LiveConnections() => _slots.Count - _freeSlots.Count;

    public void Dispose()
    {
        Native.Close(_epoll);
        Native.Close(_wakeFd);
    }

    private List<LoopConnection> Connections() => _slots.OfType<LoopConnection>().ToList();

    private void Run()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Native.EpollEventSize));
        try
        {
            while (!_exited.Task.IsCompleted)
            {
                var timeout = _again.Count > 0 || !_posted.IsEmpty ? 0 : NextTimeout();
                var count = Native.Wait(_epoll, events, MaxEvents, timeout);
                if (count < 0)
                {
                    if (Native.LastError == Native.EINTR)
                    {
                        continue;
                    }

                    throw new IOException($"epoll_wait failed: error {Native.LastError}.");
                }

                Turn(events, count);
            }
        }
        catch (Exception e)
        {
            // A bug in the loop itself: every connection it serves is lost; say so loudly and stop the loop.
            ServerLog.EventLoopFailed(_services.Logger, Index, e);
            _exited.TrySetException(e);
        }
        finally
        {
            NativeMemory.Free(events);
        }
    }

    private void Turn(byte* events, int count)
    {
        // What was left from the last turn goes first, then what is ready now.
        if (_again.Count > 0)
        {
            var again = _again.ToArray();
            _again.Clear();
            foreach (var connection in again)
            {
                try
                {
                    connection.ProcessInput();
                }
                catch (Exception e)
                {
                    connection.Crash(e);
                }
            }
        }

        for (var i = 0; i < count; i++)
        {
            var token = Native.EventData(events, i);
            if (token == WakeToken)
            {
                // Drained before the flag is cleared: a post that comes in between either finds the flag still set (and
                // is run below) or signals again after it is cleared; the other order could lose its wake-up.
                Native.Drain(_wakeFd);
                Volatile.Write(ref _wakePending, 0);
                RunPosted();
            }
            else if (token == ListenerToken)
            {
                _onListenerReady?.Invoke();
            }
            else if (token == TlsListenerToken)
            {
                _onTlsListenerReady?.Invoke();
            }
            else if (Find(token) is { } connection)
            {
                try
                {
                    connection.OnEvents(Native.EventMask(events, i));
                }
                catch (Exception e)
                {
                    // One connection's failure (an allocation that failed, say) is that connection's alone.
                    connection.Crash(e);
                }
            }
        }

        if (!_posted.IsEmpty)
        {
            RunPosted();
        }

        // Every response of the turn, after every request of the turn, and with persistence after the turn's writes are
        // acknowledged: written, and under `always` fsynced, here on the loop's thread (one fsync for the whole turn, and
        // for the other loops' turns that end meanwhile).
        if (_dirty.Count > 0)
        {
            var outcome = _services.Commits?.Commit() ?? CommitOutcome.Acknowledged;
            for (var i = 0; i < _dirty.Count; i++)
            {
                try
                {
                    _dirty[i].EndTurn(outcome);
                }
                catch (Exception e)
                {
                    _dirty[i].Crash(e);
                }
            }

            _dirty.Clear();
        }
        RunTimers();
    }

    private void RunPosted()
    {
        while (_posted.TryDequeue(out var item))
        {
            item.Action(item.State);
        }
    }

    private LoopConnection? Find(ulong token)
    {
        var slot = (int)(uint)token;
        return slot < _slots.Count && _generations[slot] == (uint)(token >> 32) ? _slots[slot] : null;
    }
}
