using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Kv.Protocol.Buffers;
using Kv.Server.Diagnostics;
using Kv.Storage.Persistence;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Networking.Tls;

/// <summary>
/// One client's connection on the TLS port: the handshake (within <see cref="Hosting.KvServerOptions.TlsHandshakeTimeout"/>),
/// then the same loop as <see cref="Sockets.SocketConnection"/> over an <see cref="SslStream"/>: receive, answer every whole
/// frame through the same <see cref="FrameProcessor"/> (limits, client memory, authentication), send the batch's
/// responses, and read again only once they are sent.
/// </summary>
internal sealed class TlsConnection : Sockets.ServedConnection
{
    private static readonly TimeSpan FinishTimeout = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly SslStream _stream;
    private readonly EndPoint? _peer;
    private readonly bool _userFromCertificate;
    private readonly SslServerAuthenticationOptions _tls;
    private readonly LogInterval _handshakeFailures;
    private readonly TimeSpan _handshakeTimeout;
    private int _aborted;

    /// <param name="id">The connection's id.</param>
    /// <param name="socket">The accepted socket.</param>
    /// <param name="services">The server's connection services.</param>
    /// <param name="tls">The handshake's settings (the certificate current at accept).</param>
    public TlsConnection(long id, Socket socket, ConnectionServices services, SslServerAuthenticationOptions tls)
        : this(id, socket, socket.RemoteEndPoint, services, tls)
    {
    }

    private TlsConnection(long id, Socket socket, EndPoint? peer, ConnectionServices services, SslServerAuthenticationOptions tls)
        : base(id, services, () => peer)
    {
        _tls = tls;
        _handshakeFailures = services.TlsHandshakeFailureLog;
        _handshakeTimeout = services.Options.TlsHandshakeTimeout;
        _socket = socket;
        _peer = peer;
        _stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        _userFromCertificate = services.Options.TlsUserFromClientCertificate;
    }

    /// <summary>Handshakes (within the handshake timeout), then serves the connection until the client leaves, a fatal protocol error, an abort, or shutdown.</summary>
    /// <param name="stopping">Cancelled at graceful shutdown: the connection answers what it has received, then closes.</param>
    public override async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            if (!await HandshakeAsync(_tls, _handshakeTimeout, _handshakeFailures, stopping).ConfigureAwait(false))
            {
                return;
            }

            while (true)
            {
                int received;
                try
                {
                    received = await _stream.ReadAsync(Input.GetFreeSpace(), stopping).ConfigureAwait(false);
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
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
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
        _stream.Dispose();
        _socket.Dispose();
        base.Dispose();
    }

    private async Task<bool> HandshakeAsync(SslServerAuthenticationOptions tls, TimeSpan timeout, LogInterval failureLog, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        try
        {
            await _stream.AuthenticateAsServerAsync(tls, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            if (failureLog.TryLog(out var suppressed))
            {
                ServerLog.TlsHandshakeTimedOut(Logger, Id, _peer, timeout, suppressed, failureLog.Seconds);
            }

            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or System.ComponentModel.Win32Exception)
        {
            // Plain text on the TLS port, a client that refuses the certificate, no client certificate under mutual TLS...
            if (failureLog.TryLog(out var suppressed))
            {
                ServerLog.TlsHandshakeFailed(Logger, Id, _peer, e.InnerException?.Message is { } inner ? $"{e.Message} {inner}" : e.Message, suppressed, failureLog.Seconds);
            }

            return false;
        }

        Touch();
        ServerLog.TlsHandshakeDone(Logger, Id, _stream.SslProtocol, _stream.NegotiatedCipherSuite);
        if (_userFromCertificate)
        {
            Security.ClientCertificateIdentity.Apply(_stream, Frames, Id, Logger);
        }
        return true;
    }

    protected override ValueTask SendAsync(ReadOnlyMemory<byte> responses) => _stream.WriteAsync(responses);

    // Graceful shutdown: answer what has already arrived (waiting in the kernel), as the plain transports do, then close
    // with a TLS close_notify. A record that arrived only in part is waited for briefly, then given up.
    private async ValueTask FinishReceivedAsync()
    {
        try
        {
            using var limit = new CancellationTokenSource(FinishTimeout);
            while (_socket.Available > 0)
            {
                var received = await _stream.ReadAsync(Input.GetFreeSpace(), limit.Token).ConfigureAwait(false);
                if (received == 0)
                {
                    return;
                }

                Input.Commit(received);
                if (!await ProcessAsync().ConfigureAwait(false))
                {
                    return;
                }
            }

            await _stream.ShutdownAsync().ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (OperationCanceledException)
        {
            // A record cut short: closed without it.
        }
    }

    // A fatal error: its response is sent; say goodbye in TLS and close.
    protected override async ValueTask CloseAfterErrorAsync()
    {
        try
        {
            await _stream.ShutdownAsync().ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The client left already.
        }
    }

}
