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

    private readonly SslStream _stream;
    private readonly bool _userFromCertificate;
    private readonly SslServerAuthenticationOptions _tls;
    private readonly LogInterval _handshakeFailures;
    private readonly TimeSpan _handshakeTimeout;

    /// <param name="id">The connection's id.</param>
    /// <param name="socket">The accepted socket.</param>
    /// <param name="services">The server's connection services.</param>
    /// <param name="tls">The handshake's settings (the certificate current at accept).</param>
    public TlsConnection(long id, Socket socket, ConnectionServices services, SslServerAuthenticationOptions tls)
        : base(id, socket, socket.RemoteEndPoint, services)
    {
        _tls = tls;
        _handshakeFailures = services.TlsHandshakeFailureLog;
        _handshakeTimeout = services.Options.TlsHandshakeTimeout;
        _stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        _userFromCertificate = services.Options.TlsUserFromClientCertificate;
    }

    public override void Dispose()
    {
        _stream.Dispose();
        base.Dispose();
    }

    /// <summary>The handshake, within the handshake timeout; false when it failed or timed out (logged) or shutdown came.</summary>
    protected override ValueTask<bool> BeginAsync(CancellationToken stopping) => new(HandshakeAsync(_tls, _handshakeTimeout, _handshakeFailures, stopping));

    protected override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken stopping) => _stream.ReadAsync(buffer, stopping);

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
                ServerLog.TlsHandshakeTimedOut(Logger, Id, Peer, timeout, suppressed, failureLog.Seconds);
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
                ServerLog.TlsHandshakeFailed(Logger, Id, Peer, e.InnerException?.Message is { } inner ? $"{e.Message} {inner}" : e.Message, suppressed, failureLog.Seconds);
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
    protected override async ValueTask FinishReceivedAsync()
    {
        try
        {
            using var limit = new CancellationTokenSource(FinishTimeout);
            while (Socket.Available > 0)
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
            Socket.Shutdown(SocketShutdown.Both);
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
            Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The client left already.
        }
    }
}
