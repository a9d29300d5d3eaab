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
                var received = await _socket.ReceiveAsync(_input.GetFreeSpace(), SocketFlags.None).ConfigureAwait(false);
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
        catch (Exception e) when (e is ObjectDisposedException || (e is SocketException && !IsOpen))
        {
            // The socket was closed by Abort; the failure is already recorded.
        }
        catch (SocketException e)
        {
            Abort(ConnectionFailure.Lost($"The connection to the Kv server at {EndPoint} failed: {e.Message}", e));
        }
        catch (Exception e)
        {
            Abort(ConnectionFailure.Protocol($"Reading from the Kv server at {EndPoint} failed unexpectedly: {e.Message}", e));
        }
    }

    // Returns false when the connection was torn down.
    private bool ProcessResponses()
    {
        while (true)
        {
            var status = _parser.TryParse(_input.Unparsed, out var response, out var error);
            if (status == ParseStatus.NeedMoreData)
            {
                return true;
            }

            if (status == ParseStatus.Invalid)
            {
                Abort(ConnectionFailure.Protocol($"The Kv server at {EndPoint} sent a frame that cannot be parsed: {error}."));
                return false;
            }

            if (!Dispatch(response))
            {
                return false;
            }

            _input.Consume(response.FrameLength);
        }
    }

    private bool Dispatch(in ResponseView response)
    {
        if (response.Version == ProtocolVersion.V0)
        {
            // The server speaks version 0 to a client only to refuse it before reading anything it could answer in
            // version 1 ("too many connections"), or after a frame it could not read ("unsupported protocol version").
            if (response.Status == ResponseStatus.Error)
            {
                var message = Encoding.UTF8.GetString(response.Payload);
                Abort(ConnectionFailure.RefusedByServer($"The Kv server at {EndPoint} refused the connection: {message}", message));
            }
            else
            {
                Abort(ConnectionFailure.Protocol($"The Kv server at {EndPoint} sent a version-0 response to a version-1 request."));
            }

            return false;
        }

        if (response.Status == ResponseStatus.Error && response.ErrorCode == ProtocolErrorCode.TooManyConnections)
        {
            var message = Encoding.UTF8.GetString(response.Payload);
            Abort(ConnectionFailure.RefusedByServer($"The Kv server at {EndPoint} refused the connection: {message}", message));
            return false;
        }

        PendingOperation? operation;
        uint? expected;
        lock (_lock)
        {
            operation = _queue.Peek();
            expected = operation?.RequestId;
            if (operation is not null && operation.RequestId == response.RequestId)
            {
                _queue.Dequeue();
            }
            else
            {
                operation = null;
            }
        }

        if (operation is null)
        {
            Abort(ConnectionFailure.Protocol(expected is null
                ? $"The Kv server at {EndPoint} sent a response (request id {response.RequestId}) when no request was waiting."
                : $"The Kv server at {EndPoint} answered request id {response.RequestId} when the oldest request waiting was {expected}: the stream is out of step."));
            return false;
        }

        // FrameTooLarge is the one version-1 error after which the server closes the connection (docs/protocol.md, Bad
        // input), dropping everything sent after it. Tear down first, so that by the time the caller sees the error no
        // later call can be queued on this connection (it would fail when the close arrives): they go to a new one.
        var closing = response.Status == ResponseStatus.Error && response.ErrorCode == ProtocolErrorCode.FrameTooLarge;
        if (closing)
        {
            var message = Encoding.UTF8.GetString(response.Payload);
            Abort(ConnectionFailure.RefusedByServer($"The Kv server at {EndPoint} closed the connection after a request over its frame size limit: {message}", message));
        }

        operation.SetResponse(response);
        operation.Release();
        return !closing;
    }
}
