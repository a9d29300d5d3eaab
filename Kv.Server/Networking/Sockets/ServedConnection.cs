using System.Net;
using Kv.Protocol.Buffers;
using Kv.Server.Diagnostics;
using Kv.Storage.Persistence;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Networking.Sockets;

/// <summary>
/// A connection the sockets transport serves, plain (<see cref="SocketConnection"/>) or TLS (<see cref="Tls.TlsConnection"/>):
/// its buffers and <see cref="FrameProcessor"/>, and the step both run after each receive: answer every whole frame,
/// wait for the log to acknowledge the writes among them (with persistence), send the responses, and only then go back to
/// reading, so that a client that stops reading stops being read (backpressure on its connection alone).
/// </summary>
internal abstract class ServedConnection : IDisposable
{
    private readonly ICommitBarrier? _commits;
    private readonly CommitWaiter? _commitWaiter;
    private long _lastActivity;

    protected ServedConnection(long id, ConnectionServices services, Func<EndPoint?> peer)
    {
        Id = id;
        Logger = services.Logger;
        Frames = services.CreateFrames(id, peer, out var input, out var output);
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

    protected ILogger Logger { get; }

    protected FrameProcessor Frames { get; }

    protected ReceiveBuffer Input { get; }

    protected PooledBufferWriter Output { get; }

    /// <summary>Serves the connection until its client leaves, a fatal error, an abort, or shutdown.</summary>
    /// <param name="stopping">Cancelled at graceful shutdown: the connection answers what it has received, then closes.</param>
    public abstract Task RunAsync(CancellationToken stopping);

    /// <summary>Closes the socket at once; <see cref="RunAsync"/> ends with the pending operation's failure.</summary>
    public abstract void Abort();

    public virtual void Dispose()
    {
        Input.Dispose();
        Output.Dispose();
    }

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
