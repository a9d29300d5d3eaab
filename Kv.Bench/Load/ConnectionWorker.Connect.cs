using System.Net.Security;
using System.Net.Sockets;
using CommunityToolkit.HighPerformance.Buffers;
using Kv.Bench.Wire;

namespace Kv.Bench.Load;

/// <summary>Opening a worker's connection: TCP, TLS when asked, and the AUTH, all before the load starts.</summary>
internal sealed partial class ConnectionWorker
{
    public static ConnectionWorker Connect(BenchOptions options, Operation operation, RunState state, KeyStream keys)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? tls = null;
        try
        {
            socket.Connect(options.Host, options.Port);
            if (options.Tls is { } tlsOptions)
            {
                // Stays blocking: SslStream reads and writes whole records.
                tls = tlsOptions.Authenticate(socket, options.Host);
                if (options.Password is not null)
                {
                    Authenticate(tls, options);
                }
            }
            else
            {
                if (options.Password is not null)
                {
                    using var stream = new NetworkStream(socket, ownsSocket: false);
                    Authenticate(stream, options);
                }

                socket.Blocking = false;
            }
        }
        catch (Exception e) when (e is AuthenticationFailedException or IOException)
        {
            tls?.Dispose();
            socket.Dispose();
            throw;
        }
        catch (SocketException e)
        {
            tls?.Dispose();
            socket.Dispose();

            // The plain reason: the caller names the address once.
            throw new IOException(new SocketException((int)e.SocketErrorCode).Message, e);
        }

        return new ConnectionWorker(socket, tls, options, operation, state, keys);
    }

    /// <summary>
    /// Sends the AUTH that opens the connection and reads its answer, blocking, before any load (through the socket's
    /// stream or the TLS stream): anything but OK (Kv's ERROR AuthenticationFailed, Redis's <c>-WRONGPASS</c>) is
    /// <see cref="AuthenticationFailedException"/>.
    /// </summary>
    private static void Authenticate(Stream stream, BenchOptions options)
    {
        using var request = new ArrayPoolBufferWriter<byte>(256);
        options.Protocol.WriteAuth(request, 0, options.User, options.Password!);
        stream.Write(request.WrittenSpan);
        stream.Flush();
        var buffer = new byte[64 * 1024];
        var length = 0;
        stream.ReadTimeout = 10_000;
        try
        {
            while (true)
            {
                int received;
                try
                {
                    received = stream.Read(buffer.AsSpan(length));
                }
                catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
                {
                    throw new AuthenticationFailedException("the server did not answer the AUTH within 10 s");
                }

                if (received == 0)
                {
                    throw new AuthenticationFailedException("the server closed the connection after the AUTH");
                }

                length += received;
                if (options.Protocol.TryReadResponse(buffer.AsSpan(0, length), out _, out var outcome, out var payload))
                {
                    if (outcome != Outcome.Ok)
                    {
                        throw new AuthenticationFailedException($"AUTH refused: {System.Text.Encoding.UTF8.GetString(payload)}");
                    }

                    return;
                }

                if (length == buffer.Length)
                {
                    throw new AuthenticationFailedException("the answer to the AUTH is too long");
                }
            }
        }
        finally
        {
            stream.ReadTimeout = Timeout.Infinite;
        }
    }
}
