using System.Net.Sockets;

namespace Kv.Server.Networking.Sockets;

/// <summary>
/// One client's connection on the runtime's sockets, in plain text: <see cref="ServedConnection"/>'s loop over the socket,
/// each batch's responses sent with one socket call.
/// </summary>
internal sealed class SocketConnection(long id, Socket socket, ConnectionServices services)
    : ServedConnection(id, socket, socket.RemoteEndPoint, services)
{
    private static readonly TimeSpan LingerAfterError = TimeSpan.FromSeconds(1);

    protected override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken stopping) =>
        Socket.ReceiveAsync(buffer, SocketFlags.None, stopping);

    protected override async ValueTask SendAsync(ReadOnlyMemory<byte> responses)
    {
        while (!responses.IsEmpty)
        {
            var sent = await Socket.SendAsync(responses, SocketFlags.None).ConfigureAwait(false);
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
            Socket.Shutdown(SocketShutdown.Send);
            using var linger = new CancellationTokenSource(LingerAfterError);
            var scratch = new byte[4096];
            while (await Socket.ReceiveAsync(scratch, SocketFlags.None, linger.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client reset or did not close in time: either way the connection is done.
        }
    }

    // Graceful shutdown: answer every request already received (including what waits in the kernel), then close.
    protected override async ValueTask FinishReceivedAsync()
    {
        while (Socket.Available > 0)
        {
            var received = Socket.Receive(Input.GetFreeSpace().Span);
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

        Socket.Shutdown(SocketShutdown.Both);
    }
}
