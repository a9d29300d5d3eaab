using System.Net.Sockets;
using Kv.Protocol.Buffers;

namespace Kv.Client.Internal;

/// <summary>
/// The writer loop: take everything callers have queued since the last send (by swapping buffers under the lock) and
/// send it with one socket call, so that many concurrent requests share one system call and often one TCP segment.
/// </summary>
internal sealed partial class ClientConnection
{
    private async Task WriteLoopAsync()
    {
        await Task.Yield();
        try
        {
            while (true)
            {
                PooledBufferWriter? batch = null;
                var parked = default(ValueTask);
                lock (_lock)
                {
                    if (_closed)
                    {
                        return;
                    }

                    if (_pending.WrittenCount > 0)
                    {
                        batch = _pending;
                        _pending = _sending;
                        _sending = batch;
                    }
                    else
                    {
                        _writerParked = true;
                        parked = _writerSignal.Prepare();
                    }
                }

                if (batch is null)
                {
                    await parked.ConfigureAwait(false);
                    continue;
                }

                var unsent = batch.WrittenMemory;
                if (_tls is not null)
                {
                    // SslStream encrypts and writes it all (in records of up to 16 KiB).
                    await _tls.WriteAsync(unsent).ConfigureAwait(false);
                }
                else
                {
                    while (!unsent.IsEmpty)
                    {
                        var sent = await _socket.SendAsync(unsent, SocketFlags.None).ConfigureAwait(false);
                        unsent = unsent.Slice(sent);
                    }
                }

                batch.Reset();
            }
        }
        catch (Exception e) when (e is ObjectDisposedException || (e is SocketException or IOException && !IsOpen))
        {
            // The socket was closed by Abort; the failure is already recorded.
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            Abort(ConnectionFailure.Lost($"Sending to the Kv server at {EndPoint} failed: {e.Message}", e));
        }
        catch (Exception e)
        {
            Abort(ConnectionFailure.Lost($"Sending to the Kv server at {EndPoint} failed unexpectedly: {e.Message}", e));
        }
    }
}
