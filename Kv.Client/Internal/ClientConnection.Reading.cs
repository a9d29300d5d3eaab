using System.Net.Sockets;
using System.Text;
using Kv.Protocol;

namespace Kv.Client.Internal;

/// <summary>The reader loop: receive, parse every whole response, match each to the FIFO's head, complete it.</summary>
internal sealed partial class ClientConnection
{
    private async Task ReadLoopAsync()
    {
        // Leave the connecting caller at once; from here the loop runs on socket completions.
        await Task.Yield();
        try
        {
            while (true)
            {
                var received = _tls is null
                    ? await _socket.ReceiveAsync(_input.GetFreeSpace(), SocketFlags.None).ConfigureAwait(false)
                    : await _tls.ReadAsync(_input.GetFreeSpace()).ConfigureAwait(false);
                if (received == 0)
                {
                    Abort(ConnectionFailure.Lost($"The Kv server at {EndPoint} closed the connection."));
                    return;
                }

                _input.Commit(received);
                if (!ProcessResponses())
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is ObjectDisposedException || (e is SocketException or IOException && !IsOpen))
        {
            // The socket was closed by Abort; the failure is already recorded.
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            Abort(ConnectionFailure.Lost($"The connection to the Kv server at {EndPoint} failed: {e.Message}", e));
        }
        catch (Exception e)
        {
            Abort(ConnectionFailure.Protocol($"Reading from the Kv server at {EndPoint} failed unexpectedly: {e.Message}", e));
        }
    }

    // Returns false when the connection was torn down. Three passes over the responses received so far: parse them
    // (no lock), take their operations off the FIFO in one lock, then decode each result into its operation (no
    // lock) and hand the whole batch to the thread pool as one work item.
    private bool ProcessResponses()
    {
        var input = _input.Unparsed;
        var frames = 0;
        var offset = 0;
        ConnectionFailure? failure = null;
        ConnectionFailure? closing = null;
        while (true)
        {
            var status = _parser.TryParse(input.Slice(offset), out var response, out var error);
            if (status == ParseStatus.NeedMoreData)
            {
                break;
            }

            if (status == ParseStatus.Invalid)
            {
                failure = ConnectionFailure.Protocol($"The Kv server at {EndPoint} sent a frame that cannot be parsed: {error}.");
                break;
            }

            failure = ConnectionLevelFailure(response);
            if (failure is not null)
            {
                break;
            }

            if (frames == _frameOffsets.Length)
            {
                Array.Resize(ref _frameOffsets, frames * 2);
                Array.Resize(ref _frameRequestIds, frames * 2);
            }

            _frameOffsets[frames] = offset;
            _frameRequestIds[frames] = response.RequestId;
            frames++;
            offset += response.FrameLength;

            // FrameTooLarge is the one version-1 error after which the server closes the connection (docs/protocol.md,
            // Bad input), dropping everything sent after it. The request gets its error, and the connection is torn
            // down before that error is delivered, so that no later call is queued on it: they go to a new one.
            if (response.Status == ResponseStatus.Error && response.ErrorCode == ProtocolErrorCode.FrameTooLarge)
            {
                var message = Encoding.UTF8.GetString(response.Payload);
                closing = ConnectionFailure.RefusedByServer($"The Kv server at {EndPoint} closed the connection after a request over its frame size limit: {message}", message);
                break;
            }
        }

        var batch = frames > 0 ? RentBatch() : null;
        if (batch is not null)
        {
            lock (_lock)
            {
                for (var i = 0; i < frames; i++)
                {
                    var operation = _queue.Peek();
                    if (operation is null || operation.RequestId != _frameRequestIds[i])
                    {
                        failure = ConnectionFailure.Protocol(operation is null
                            ? $"The Kv server at {EndPoint} sent a response (request id {_frameRequestIds[i]}) when no request was waiting."
                            : $"The Kv server at {EndPoint} answered request id {_frameRequestIds[i]} when the oldest request waiting was {operation.RequestId}: the stream is out of step.");
                        break;
                    }

                    _queue.Dequeue();
                    batch.Add(operation);
                }
            }

            // Decode while the payloads are in the receive buffer. An operation already completed by its caller's
            // cancellation or a timeout is dropped, with the response.
            var matched = batch.Count;
            var kept = 0;
            var consumed = 0;
            for (var i = 0; i < matched; i++)
            {
                var operation = batch[i];
                _parser.TryParse(input.Slice(_frameOffsets[i]), out var response, out _);
                consumed = _frameOffsets[i] + response.FrameLength;
                if (operation.TryClaimForResponse())
                {
                    operation.StoreResponse(response);
                    batch.SetAt(kept++, operation);
                }
                else
                {
                    operation.Release();
                }
            }

            batch.Truncate(kept);
            _input.Consume(consumed);
            if (closing is not null)
            {
                Abort(closing);
            }

            if (kept > 0)
            {
                batch.Dispatch();
                ArmWatchdog();
            }
            else
            {
                ReturnBatch(batch);
            }
        }

        RescueStalledBatches();
        if (failure is not null)
        {
            Abort(failure);
            return false;
        }

        return closing is null;
    }

    // A version-0 response, or a version-1 TooManyConnections ERROR, concerns the connection, not a request.
    private ConnectionFailure? ConnectionLevelFailure(in ResponseView response)
    {
        if (response.Version == ProtocolVersion.V0)
        {
            // The server speaks version 0 to a client only to refuse it before reading anything it could answer in
            // version 1 ("too many connections"), or after a frame it could not read ("unsupported protocol version").
            if (response.Status == ResponseStatus.Error)
            {
                var message = Encoding.UTF8.GetString(response.Payload);
                return ConnectionFailure.RefusedByServer($"The Kv server at {EndPoint} refused the connection: {message}", message);
            }

            return ConnectionFailure.Protocol($"The Kv server at {EndPoint} sent a version-0 response to a version-1 request.");
        }

        if (response.Status == ResponseStatus.Error && response.ErrorCode == ProtocolErrorCode.TooManyConnections)
        {
            var message = Encoding.UTF8.GetString(response.Payload);
            return ConnectionFailure.RefusedByServer($"The Kv server at {EndPoint} refused the connection: {message}", message);
        }

        return null;
    }

    private CompletionBatch RentBatch()
    {
        // A lock-free stack with one consumer (this loop), so a pop cannot suffer ABA.
        while (true)
        {
            var head = Volatile.Read(ref _idleBatches);
            if (head is null)
            {
                var batch = new CompletionBatch(this);
                var all = _allBatches;
                Array.Resize(ref all, all.Length + 1);
                all[^1] = batch;
                Volatile.Write(ref _allBatches, all);
                return batch;
            }

            if (Interlocked.CompareExchange(ref _idleBatches, head.NextIdle, head) == head)
            {
                head.NextIdle = null;
                return head;
            }
        }
    }

    /// <summary>Takes back a batch whose operations have all been signalled.</summary>
    public void ReturnBatch(CompletionBatch batch)
    {
        while (true)
        {
            var head = Volatile.Read(ref _idleBatches);
            batch.NextIdle = head;
            if (Interlocked.CompareExchange(ref _idleBatches, batch, head) == head)
            {
                return;
            }
        }
    }

    // Called at each receive and each watchdog tick: gives a helper to any batch held up by a blocking continuation.
    // Returns whether any batch is still running.
    private bool RescueStalledBatches()
    {
        var running = false;
        foreach (var batch in Volatile.Read(ref _allBatches))
        {
            batch.RescueIfStalled();
            running |= batch.IsRunning;
        }

        return running;
    }

    // The watchdog ticks every WatchdogMilliseconds while any batch is running, so that a batch held up by a blocking
    // continuation gets a helper even when nothing more arrives from the server; idle, it costs nothing.
    private void ArmWatchdog()
    {
        if (Volatile.Read(ref _watchdogArmed) == 0 && Interlocked.Exchange(ref _watchdogArmed, 1) == 0)
        {
            _watchdog.Change(WatchdogMilliseconds, Timeout.Infinite);
        }
    }

    private void OnWatchdogTick()
    {
        if (RescueStalledBatches())
        {
            _watchdog.Change(WatchdogMilliseconds, Timeout.Infinite);
            return;
        }

        // Disarm, then look again: a batch dispatched meanwhile may have seen the watchdog armed and not armed it.
        Interlocked.Exchange(ref _watchdogArmed, 0);
        if (RescueStalledBatches())
        {
            ArmWatchdog();
        }
    }
}
