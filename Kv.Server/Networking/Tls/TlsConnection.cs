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
internal sealed class TlsConnection : Sockets.IServedConnection, IDisposable
{
    private static readonly TimeSpan FinishTimeout = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly SslStream _stream;
    private readonly ILogger _logger;
    private readonly ReceiveBuffer _input;
    private readonly PooledBufferWriter _output;
    private readonly FrameProcessor _frames;
    private readonly ICommitBarrier? _commits;
    private readonly CommitWaiter? _commitWaiter;
    private readonly EndPoint? _peer;
    private readonly bool _userFromCertificate;
    private readonly SslServerAuthenticationOptions _tls;
    private readonly LogInterval _handshakeFailures;
    private readonly TimeSpan _handshakeTimeout;
    private long _lastActivity;
    private int _aborted;

    /// <param name="id">The connection's id.</param>
    /// <param name="socket">The accepted socket.</param>
    /// <param name="services">The server's connection services.</param>
    /// <param name="tls">The handshake's settings (the certificate current at accept).</param>
    public TlsConnection(long id, Socket socket, ConnectionServices services, SslServerAuthenticationOptions tls)
    {
        _tls = tls;
        _handshakeFailures = services.TlsHandshakeFailureLog;
        _handshakeTimeout = services.Options.TlsHandshakeTimeout;
        Id = id;
        _socket = socket;
        _peer = socket.RemoteEndPoint;
        _stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        _logger = services.Logger;
        _frames = services.CreateFrames(id, () => _peer, out _input, out _output);
        _commits = services.Commits;
        _userFromCertificate = services.Options.TlsUserFromClientCertificate;
        _commitWaiter = _commits is null ? null : new CommitWaiter();
        _lastActivity = Environment.TickCount64;
    }

    public long Id { get; }

    /// <summary>When a byte was last received or sent, or the connection accepted (<see cref="Environment.TickCount64"/>).</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    public long Requests => _frames.Requests;

    /// <summary>Handshakes (within the handshake timeout), then serves the connection until the client leaves, a fatal protocol error, an abort, or shutdown.</summary>
    /// <param name="stopping">Cancelled at graceful shutdown: the connection answers what it has received, then closes.</param>
    public async Task RunAsync(CancellationToken stopping)
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
                    received = await _stream.ReadAsync(_input.GetFreeSpace(), stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    await FinishReceivedAsync().ConfigureAwait(false);
                    return;
                }

                if (received == 0)
                {
                    if (_input.Length > 0)
                    {
                        ServerLog.ClosedMidFrame(_logger, Id, _input.Length);
                    }

                    return;
                }

                Touch();
                _input.Commit(received);
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
                ServerLog.SocketFailed(_logger, Id, (e as SocketException ?? e.InnerException as SocketException)?.SocketErrorCode ?? SocketError.ConnectionReset);
            }
        }
        catch (Exception e)
        {
            ServerLog.ConnectionFailed(_logger, Id, e);
        }
        finally
        {
            ServerLog.ConnectionClosed(_logger, Id, Requests);
            Dispose();
        }
    }

    /// <summary>Closes the socket at once; the connection's loop ends with the pending operation's failure.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            _socket.Dispose();
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _aborted, 1);
        _stream.Dispose();
        _socket.Dispose();
        _input.Dispose();
        _output.Dispose();
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
                ServerLog.TlsHandshakeTimedOut(_logger, Id, _peer, timeout, suppressed, failureLog.Seconds);
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
                ServerLog.TlsHandshakeFailed(_logger, Id, _peer, e.InnerException?.Message is { } inner ? $"{e.Message} {inner}" : e.Message, suppressed, failureLog.Seconds);
            }

            return false;
        }

        Touch();
        ServerLog.TlsHandshakeDone(_logger, Id, _stream.SslProtocol, _stream.NegotiatedCipherSuite);
        if (_userFromCertificate)
        {
            Security.ClientCertificateIdentity.Apply(_stream, _frames, Id, _logger);
        }
        return true;
    }

    // Returns false when the connection must close (a fatal protocol error).
    private async ValueTask<bool> ProcessAsync()
    {
        while (true)
        {
            var outcome = _frames.Process();
            if (outcome == BatchOutcome.OutputLimitExceeded)
            {
                return false;
            }

            if (_output.WrittenCount > 0)
            {
                if (_commits is not null)
                {
                    switch (await _commits.WaitForCommitAsync(_commitWaiter!).ConfigureAwait(false))
                    {
                        case CommitOutcome.Failed:
                            ServerLog.ClosedOnLogFailure(_logger, Id);
                            return false;
                        case CommitOutcome.NotDurable:
                            _frames.RefuseUncommittedWrites();
                            break;
                        default:
                            _frames.WritesCommitted();
                            break;
                    }
                }

                await _stream.WriteAsync(_output.WrittenMemory).ConfigureAwait(false);
                Touch();
                _output.Reset();
            }

            switch (outcome)
            {
                case BatchOutcome.SendBufferFull:
                    continue;
                case BatchOutcome.Paused:
                    await _frames.Paused.ConfigureAwait(false);
                    continue;
                case BatchOutcome.NeedMoreData:
                    return true;
                default:
                    // A fatal error: its response is sent; say goodbye in TLS and close.
                    await CloseAfterErrorAsync().ConfigureAwait(false);
                    return false;
            }
        }
    }

    // Graceful shutdown: answer what has already arrived (waiting in the kernel), as the plain transports do, then close
    // with a TLS close_notify. A record that arrived only in part is waited for briefly, then given up.
    private async ValueTask FinishReceivedAsync()
    {
        try
        {
            using var limit = new CancellationTokenSource(FinishTimeout);
            while (_socket.Available > 0)
            {
                var received = await _stream.ReadAsync(_input.GetFreeSpace(), limit.Token).ConfigureAwait(false);
                if (received == 0)
                {
                    return;
                }

                _input.Commit(received);
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

    private async ValueTask CloseAfterErrorAsync()
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

    private void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);
}
