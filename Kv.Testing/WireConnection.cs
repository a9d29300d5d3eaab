using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Kv.Protocol;

namespace Kv.Testing;

/// <summary>
/// A raw TCP connection to a Kv server for tests, speaking the protocol through Kv.Protocol: encodes commands, parses
/// responses, sends any bytes (whole, in pieces, or a frame cut short), and times out every read so that a stuck server
/// fails a test instead of hanging it. Shared by the server's integration tests and the load and fault suite.
/// </summary>
public sealed class WireConnection : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly ReceivedResponses _responses = new();

    private WireConnection(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    /// <summary>Bytes received but not yet parsed into a response.</summary>
    public int Unparsed => _responses.Unparsed;

    public static async Task<WireConnection> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new WireConnection(socket);
    }

    public static byte[] Encode(Command command) => Encode([command]);

    public static byte[] Encode(IEnumerable<Command> commands)
    {
        var writer = new ArrayBufferWriter<byte>();
        foreach (var command in commands)
        {
            CommandEncoder.Encode(writer, command);
        }

        return writer.WrittenSpan.ToArray();
    }

    public Task SendAsync(Command command) => SendAsync(Encode([command]));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await Socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
            bytes = bytes.Slice(sent);
        }
    }

    public async Task<Response> ExecuteAsync(Command command)
    {
        await SendAsync(command);
        return await ReadResponseAsync();
    }

    /// <summary>The next whole response; throws on a parse error, at the end of the stream, or after the timeout.</summary>
    public Task<Response> ReadResponseAsync(TimeSpan? timeout = null) =>
        _responses.ReadAsync((memory, cancellationToken) => Socket.ReceiveAsync(memory, SocketFlags.None, cancellationToken), timeout ?? DefaultTimeout);

    /// <summary>Receives once, at most <paramref name="maxBytes"/> bytes, into the unparsed input; 0 at the end of the stream.</summary>
    public async Task<int> ReceiveSomeAsync(int maxBytes, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var received = await Socket.ReceiveAsync(_responses.GetMemory(maxBytes), SocketFlags.None, cts.Token);
        _responses.Advance(received);
        return received;
    }

    /// <summary>Reads until the server closes; returns the bytes that came after the last parsed response.</summary>
    public async Task<byte[]> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (await ReceiveAsync(cts.Token) > 0)
            {
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // A reset also ends the stream.
        }

        return _responses.UnparsedBytes.ToArray();
    }

    /// <summary>True when the server has closed the connection (end of stream or reset) within the timeout.</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            while (await ReceiveAsync(cts.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Whether the peer has closed, judged now without waiting: readable with nothing to read means end of stream.</summary>
    public bool PeerHasClosed()
    {
        try
        {
            return Socket.Poll(0, SelectMode.SelectRead) && Socket.Available == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>Closes with a reset (SO_LINGER 0) instead of a FIN: whatever the kernel still holds for either side is thrown away.</summary>
    public void Reset()
    {
        try
        {
            Socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }

        Socket.Dispose();
    }

    public void Dispose() => Socket.Dispose();

    private async Task<int> ReceiveAsync(CancellationToken cancellationToken)
    {
        var received = await Socket.ReceiveAsync(_responses.GetMemory(64 * 1024), SocketFlags.None, cancellationToken);
        _responses.Advance(received);
        return received;
    }
}
