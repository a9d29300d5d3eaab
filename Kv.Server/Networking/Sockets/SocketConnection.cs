using System.Net.Sockets;
using Kv.Protocol;
using Kv.Protocol.Buffers;
using Kv.Server.Diagnostics;
using Kv.Storage.Persistence;
using Kv.Storage;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Networking.Sockets;

/// <summary>
/// One client's connection on the runtime's sockets: receive, parse every whole frame, run each command, and send all of that batch's
/// responses with one socket call. It reads again only once those responses are sent, so a client that stops
/// reading stops being read (backpressure on its connection alone), and what it can make the server hold is bounded
/// by the frame limit plus <see cref="Hosting.KvServerOptions.SendBufferLimit"/>.
/// </summary>
internal sealed class SocketConnection : IServedConnection, IDisposable
{
    private const int SynchronousReceivesBeforeYield = 16;
    private static readonly TimeSpan LingerAfterError = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly ReceiveBuffer _input;
    private readonly PooledBufferWriter _output;
    private readonly FrameProcessor _frames;
    private readonly ICommitBarrier? _commits;
    private readonly CommitWaiter? _commitWaiter;
    private long _lastActivity;
    private int _aborted;

    public SocketConnection(long id, Socket socket, ConnectionServices services)
    {
        Id = id;
        _socket = socket;
        _logger = services.Logger;
        _frames = services.CreateFrames(id, () => socket.RemoteEndPoint, out _input, out _output);
        _commits = services.Commits;
        _commitWaiter = _commits is null ? null : new CommitWaiter();
        _lastActivity = Environment.TickCount64;
    }

    public long Id { get; }

    /// <summary>When a byte was last received or sent (<see cref="Environment.TickCount64"/>).</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    public long Requests => _frames.Requests;

    /// <summary>Serves the connection until the client leaves, a fatal protocol error, an abort, or shutdown.</summary>
    /// <param name="stopping">Cancelled at graceful shutdown: the connection answers what it has received, then closes.</param>
    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            var synchronousReceives = 0;
            while (true)
            {
                var receive = _socket.ReceiveAsync(_input.GetFreeSpace(), SocketFlags.None, stopping);
                if (receive.IsCompleted && ++synchronousReceives >= SynchronousReceivesBeforeYield)
                {
                    // Data keeps arriving faster than it is served: give other connections on this thread a turn.
                    synchronousReceives = 0;
                    await Task.Yield();
                }

                int received;
                try
                {
                    received = await receive.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    await FinishReceivedAsync().ConfigureAwait(false);
                    return;
                }

                if (received == 0)
                {
                    if (_input.Length > 0)
                    {
                        ServerLog.ClosedMidFrame(_logger, Id, _input.Length);
                    }

                    return;
                }

                Touch();
                _input.Commit(received);
                if (!await ProcessAsync().ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (SocketException e) when (Volatile.Read(ref _aborted) == 0)
        {
            ServerLog.SocketFailed(_logger, Id, e.SocketErrorCode);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException && Volatile.Read(ref _aborted) != 0)
        {
            // Aborted (idle timeout or shutdown timeout): already logged by whoever aborted it.
        }
        catch (Exception e)
        {
            ServerLog.ConnectionFailed(_logger, Id, e);
        }
        finally
        {
            ServerLog.ConnectionClosed(_logger, Id, Requests);
            Dispose();
        }
    }

    /// <summary>Closes the socket at once; the connection's loop ends with the pending operation's failure.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            _socket.Dispose();
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _aborted, 1);
        _socket.Dispose();
        _input.Dispose();
        _output.Dispose();
    }

    // Returns false when the connection must close (a fatal protocol error).
    private async ValueTask<bool> ProcessAsync()
    {
        while (true)
        {
            var outcome = _frames.Process();
            if (outcome == BatchOutcome.OutputLimitExceeded)
            {
                return false;
            }

            if (_output.WrittenCount > 0)
            {
                // With persistence, the responses wait for the writes to be acknowledged as the fsync policy says (no
                // wait, in the steady state, unless it is `always`); the thread is never blocked meanwhile.
                if (_commits is not null)
                {
                    switch (await _commits.WaitForCommitAsync(_commitWaiter!).ConfigureAwait(false))
                    {
                        case CommitOutcome.Failed:
                            ServerLog.ClosedOnLogFailure(_logger, Id);
                            return false;
                        case CommitOutcome.NotDurable:
                            _frames.RefuseUncommittedWrites();
                            break;
                        default:
                            _frames.WritesCommitted();
                            break;
                    }
                }

                await FlushAsync().ConfigureAwait(false);
            }

            switch (outcome)
            {
                case BatchOutcome.SendBufferFull:
                    continue;
                case BatchOutcome.Paused:
                    // An AUTH is being checked (and a failure delayed): nothing more is read or run until then, and no
                    // thread waits meanwhile.
                    await _frames.Paused.ConfigureAwait(false);
                    continue;
                case BatchOutcome.NeedMoreData:
                    return true;
                default:
                    await CloseAfterErrorAsync().ConfigureAwait(false);
                    return false;
            }
        }
    }

    private async ValueTask FlushAsync()
    {
        var pending = _output.WrittenMemory;
        while (!pending.IsEmpty)
        {
            var sent = await _socket.SendAsync(pending, SocketFlags.None).ConfigureAwait(false);
            pending = pending.Slice(sent);
            Touch();
        }

        _output.Reset();
    }

    // After a fatal error: the error response is sent; send FIN, then read and discard briefly so that closing with
    // unread input (which makes the kernel send RST) does not destroy the error before the client reads it.
    private async ValueTask CloseAfterErrorAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
            using var linger = new CancellationTokenSource(LingerAfterError);
            var scratch = new byte[4096];
            while (await _socket.ReceiveAsync(scratch, SocketFlags.None, linger.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client reset or did not close in time: either way the connection is done.
        }
    }

    // Graceful shutdown: answer every request already received (including what waits in the kernel), then close.
    private async ValueTask FinishReceivedAsync()
    {
        while (_socket.Available > 0)
        {
            var received = _socket.Receive(_input.GetFreeSpace().Span);
            if (received == 0)
            {
                break;
            }

            _input.Commit(received);
            if (!await ProcessAsync().ConfigureAwait(false))
            {
                return;
            }
        }

        _socket.Shutdown(SocketShutdown.Both);
    }

    private void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);
}
