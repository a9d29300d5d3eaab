using System.Net;
using System.Net.Sockets;
using Kv.Protocol.Buffers;
using Kv.Server.Diagnostics;
using Kv.Storage.Persistence;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Networking.Sockets;

/// <summary>
/// A connection the sockets transport serves, plain (<see cref="SocketConnection"/>) or TLS (<see cref="Tls.TlsConnection"/>):
/// its buffers and <see cref="FrameProcessor"/>, and the loop both run: receive, answer every whole frame, wait for the log
/// to acknowledge the writes among them (with persistence), send the responses, and only then receive again, so that a
/// client that stops reading stops being read (backpressure on its connection alone), and what it can make the server
/// hold is bounded by the frame limit plus <see cref="Hosting.KvServerOptions.SendBufferLimit"/>. What differs is how
/// bytes are received and sent (the socket, or an <see cref="System.Net.Security.SslStream"/> over it) and how the
/// connection begins and ends.
/// </summary>
internal abstract class ServedConnection : IDisposable
{
    private const int SynchronousReceivesBeforeYield = 16;

    private readonly ICommitBarrier? _commits;
    private readonly CommitWaiter? _commitWaiter;
    private long _lastActivity;
    private int _aborted;

    protected ServedConnection(long id, Socket socket, EndPoint? peer, ConnectionServices services)
    {
        Id = id;
        Socket = socket;
        Peer = peer;
        Logger = services.Logger;
        Frames = services.CreateFrames(id, () => peer, out var input, out var output);
        Input = input;
        Output = output;
        _commits = services.Commits;
        _commitWaiter = _commits is null ? null : new CommitWaiter();
        _lastActivity = Environment.TickCount64;
    }

    public long Id { get; }

    /// <summary>When a byte was last received or sent, or the connection accepted (<see cref="Environment.TickCount64"/>).</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    public long Requests => Frames.Requests;

    protected Socket Socket { get; }

    /// <summary>The client's address, read at accept.</summary>
    protected EndPoint? Peer { get; }

    protected ILogger Logger { get; }

    protected FrameProcessor Frames { get; }

    protected ReceiveBuffer Input { get; }

    protected PooledBufferWriter Output { get; }

    /// <summary>Serves the connection until its client leaves, a fatal error, an abort, or shutdown.</summary>
    /// <param name="stopping">Cancelled at graceful shutdown: the connection answers what it has received, then closes.</param>
    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            if (!await BeginAsync(stopping).ConfigureAwait(false))
            {
                return;
            }

            var synchronousReceives = 0;
            while (true)
            {
                var receive = ReceiveAsync(Input.GetFreeSpace(), stopping);
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
                    if (Input.Length > 0)
                    {
                        ServerLog.ClosedMidFrame(Logger, Id, Input.Length);
                    }

                    return;
                }

                Touch();
                Input.Commit(received);
                if (!await ProcessAsync().ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            // Aborted (idle timeout or shutdown timeout): already logged by whoever aborted it.
            if (Volatile.Read(ref _aborted) == 0)
            {
                ServerLog.SocketFailed(Logger, Id, (e as SocketException ?? e.InnerException as SocketException)?.SocketErrorCode ?? SocketError.ConnectionReset);
            }
        }
        catch (Exception e)
        {
            ServerLog.ConnectionFailed(Logger, Id, e);
        }
        finally
        {
            ServerLog.ConnectionClosed(Logger, Id, Requests);
            Dispose();
        }
    }

    /// <summary>Closes the socket at once; <see cref="RunAsync"/> ends with the pending operation's failure.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            Socket.Dispose();
        }
    }

    public virtual void Dispose()
    {
        Interlocked.Exchange(ref _aborted, 1);
        Socket.Dispose();
        Input.Dispose();
        Output.Dispose();
    }

    /// <summary>What comes before the first receive (a TLS handshake); false when the connection must close instead.</summary>
    protected virtual ValueTask<bool> BeginAsync(CancellationToken stopping) => ValueTask.FromResult(true);

    /// <summary>Receives into the receive buffer's free space: how many bytes, 0 when the client closed.</summary>
    protected abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken stopping);

    /// <summary>Graceful shutdown: answers what has already arrived (waiting in the kernel), then closes.</summary>
    protected abstract ValueTask FinishReceivedAsync();

    /// <summary>Sends the batch's responses, all of them.</summary>
    protected abstract ValueTask SendAsync(ReadOnlyMemory<byte> responses);

    /// <summary>After a fatal error's response is sent: ends the connection so that the client reads it.</summary>
    protected abstract ValueTask CloseAfterErrorAsync();

    protected void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    /// <summary>Answers what has been received.</summary>
    /// <returns>False when the connection must close (a fatal protocol error, the output limit, a failed log).</returns>
    protected async ValueTask<bool> ProcessAsync()
    {
        while (true)
        {
            var outcome = Frames.Process();
            if (outcome == BatchOutcome.OutputLimitExceeded)
            {
                return false;
            }

            if (Output.WrittenCount > 0)
            {
                // With persistence, the responses wait for the writes to be acknowledged as the fsync policy says (no
                // wait, in the steady state, unless it is `always`); the thread is never blocked meanwhile.
                if (_commits is not null)
                {
                    switch (await _commits.WaitForCommitAsync(_commitWaiter!).ConfigureAwait(false))
                    {
                        case CommitOutcome.Failed:
                            ServerLog.ClosedOnLogFailure(Logger, Id);
                            return false;
                        case CommitOutcome.NotDurable:
                            Frames.RefuseUncommittedWrites();
                            break;
                        default:
                            Frames.WritesCommitted();
                            break;
                    }
                }

                await SendAsync(Output.WrittenMemory).ConfigureAwait(false);
                Touch();
                Output.Reset();
            }

            switch (outcome)
            {
                case BatchOutcome.SendBufferFull:
                    continue;
                case BatchOutcome.Paused:
                    // An AUTH is being checked (and a failure delayed): nothing more is read or run until then, and no
                    // thread waits meanwhile.
                    await Frames.Paused.ConfigureAwait(false);
                    continue;
                case BatchOutcome.NeedMoreData:
                    return true;
                default:
                    await CloseAfterErrorAsync().ConfigureAwait(false);
                    return false;
            }
        }
    }
}
