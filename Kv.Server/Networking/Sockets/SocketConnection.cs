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
internal sealed class SocketConnection : ServedConnection
{
    private const int SynchronousReceivesBeforeYield = 16;
    private static readonly TimeSpan LingerAfterError = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private int _aborted;

    public SocketConnection(long id, Socket socket, ConnectionServices services)
        : base(id, services, () => socket.RemoteEndPoint)
    {
        _socket = socket;
    }

    /// <inheritdoc />
    public override async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            var synchronousReceives = 0;
            while (true)
            {
                var receive = _socket.ReceiveAsync(Input.GetFreeSpace(), SocketFlags.None, stopping);
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
        catch (SocketException e) when (Volatile.Read(ref _aborted) == 0)
        {
            ServerLog.SocketFailed(Logger, Id, e.SocketErrorCode);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException && Volatile.Read(ref _aborted) != 0)
        {
            // Aborted (idle timeout or shutdown timeout): already logged by whoever aborted it.
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

    /// <inheritdoc />
    public override void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            _socket.Dispose();
        }
    }

    public override void Dispose()
    {
        Interlocked.Exchange(ref _aborted, 1);
        _socket.Dispose();
        base.Dispose();
    }

    protected override async ValueTask SendAsync(ReadOnlyMemory<byte> responses)
    {
        while (!responses.IsEmpty)
        {
            var sent = await _socket.SendAsync(responses, SocketFlags.None).ConfigureAwait(false);
            responses = responses.Slice(sent);
            Touch();
        }
    }

    // After a fatal error: the error response is sent; send FIN, then read and discard briefly so that closing with
    // unread input (which makes the kernel send RST) does not destroy the error before the client reads it.
    protected override async ValueTask CloseAfterErrorAsync()
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
            var received = _socket.Receive(Input.GetFreeSpace().Span);
            if (received == 0)
            {
                break;
            }

            Input.Commit(received);
            if (!await ProcessAsync().ConfigureAwait(false))
            {
                return;
            }
        }

        _socket.Shutdown(SocketShutdown.Both);
    }

}
