using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Kv.Protocol;

namespace Kv.Server.Tests.Infrastructure;

/// <summary>
/// A raw TCP connection to a server: sends bytes or commands (encoded by Kv.Protocol) and reads responses (parsed by
/// Kv.Protocol), with a timeout on every read so a broken server fails a test instead of hanging it.
/// </summary>
internal sealed class WireConnection : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly ArrayBufferWriter<byte> _received = new();
    private int _consumed;

    private WireConnection(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    public static async Task<WireConnection> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return new WireConnection(socket);
    }

    public static byte[] Encode(Command command)
    {
        var writer = new ArrayBufferWriter<byte>();
        CommandEncoder.Encode(writer, command);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] Encode(IEnumerable<Command> commands)
    {
        var writer = new ArrayBufferWriter<byte>();
        foreach (var command in commands)
        {
            CommandEncoder.Encode(writer, command);
        }

        return writer.WrittenSpan.ToArray();
    }

    public Task SendAsync(Command command) => SendAsync(Encode(command));

    public async Task SendAsync(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await Socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
        }
    }

    public async Task<Response> ExecuteAsync(Command command)
    {
        await SendAsync(command);
        return await ReadResponseAsync();
    }

    /// <summary>Reads the next whole response; fails on EOF, on a parse error, or after the timeout.</summary>
    public async Task<Response> ReadResponseAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var status = ResponseParser.Default.TryParse(_received.WrittenSpan.Slice(_consumed), out var view, out var error);
            if (status == ParseStatus.Complete)
            {
                _consumed += view.FrameLength;
                return view.ToResponse();
            }

            if (status == ParseStatus.Invalid)
            {
                throw new InvalidDataException($"The server sent an invalid response: {error}");
            }

            if (await ReceiveAsync(cts.Token) == 0)
            {
                throw new EndOfStreamException("The server closed the connection before a whole response arrived.");
            }
        }
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

        return _received.WrittenSpan.Slice(_consumed).ToArray();
    }

    /// <summary>True when the server has closed the connection (EOF or reset) within the timeout.</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            while (true)
            {
                if (await ReceiveAsync(cts.Token) == 0)
                {
                    return true;
                }
            }
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

    public void Dispose() => Socket.Dispose();

    private async Task<int> ReceiveAsync(CancellationToken cancellationToken)
    {
        var memory = _received.GetMemory(64 * 1024);
        var received = await Socket.ReceiveAsync(memory, SocketFlags.None, cancellationToken);
        _received.Advance(received);
        return received;
    }
}
