using System.Security.Authentication;
using Kv.Epoll;
using Kv.Server.Diagnostics;
using Kv.Server.Networking.Tls;

namespace Kv.Server.Networking.EventLoop;

/// <summary>
/// A connection to the TLS port, on the loop like any other: the handshake runs on the loop's thread as its messages
/// arrive (within the handshake timeout), then each receive decrypts what came and each flush encrypts the responses, in
/// chunks, sending the ciphertext as the socket takes it.
/// </summary>
internal sealed partial class LoopConnection
{
    /// <summary>When the handshake must be done by (<see cref="Environment.TickCount64"/>); set while it runs.</summary>
    public long HandshakeDeadline { get; private set; }

    /// <summary>Whether the connection came to the TLS port.</summary>
    public bool UsesTls => _tls is not null;

    /// <summary>On the loop's thread, once watched: a TLS connection starts its handshake, which waits for the client's hello.</summary>
    public void StartTls()
    {
        HandshakeDeadline = Environment.TickCount64 + (long)_services.Options.TlsHandshakeTimeout.TotalMilliseconds;
        _loop.HandshakeStarted(this);
        _tls!.BeginHandshake();
    }

    /// <summary>The handshake did not finish in time: closed, and logged (at most once per interval, as failures are).</summary>
    public void HandshakeTimedOut()
    {
        var log = _services.TlsHandshakeFailureLog;
        if (log.TryLog(out var suppressed))
        {
            ServerLog.TlsHandshakeTimedOut(_services.Logger, Id, Native.PeerAddress(Fd), _services.Options.TlsHandshakeTimeout, suppressed, log.Seconds);
        }

        Close();
    }

    // The handshake's next step: what the client sent is fed to it, its answer is sent at the end of the turn, and once it is done, requests that came with its last message are run at once.
    private void ContinueHandshake()
    {
        var tls = _tls!;
        if (tls.WaitsForCiphertext)
        {
            var received = tls.ReceiveFrom(Fd, out var error);
            if (received < 0)
            {
                if (error is not (Native.EAGAIN or Native.EINTR))
                {
                    Fail("receive", error);
                }

                return;
            }

            LastActivity = Environment.TickCount64;
        }

        if (!tls.TryCompleteHandshake(out var failure))
        {
            SendTlsSoon();
            return;
        }

        _loop.HandshakeEnded(this);
        if (failure is not null)
        {
            // Plain text on the TLS port, a client that refuses the certificate, no client certificate under mutual TLS...
            var log = _services.TlsHandshakeFailureLog;
            if (log.TryLog(out var suppressed))
            {
                var reason = failure.InnerException?.Message is { } inner ? $"{failure.Message} {inner}" : failure.Message;
                ServerLog.TlsHandshakeFailed(_services.Logger, Id, Native.PeerAddress(Fd), reason, suppressed, log.Seconds);
            }

            // The alert that says why, if the socket takes it now; no waiting for a client that failed.
            SendOutgoingCiphertext();
            Close();
            return;
        }

        ServerLog.TlsHandshakeDone(_services.Logger, Id, tls.Stream.SslProtocol, tls.Stream.NegotiatedCipherSuite);
        if (_services.Options.TlsUserFromClientCertificate)
        {
            Security.ClientCertificateIdentity.Apply(tls.Stream, _frames, Id, _services.Logger);
        }
        SendTlsSoon();
        if (tls.HasPlaintext)
        {
            ProcessInput();
        }
    }

    // Like a receive on a plain socket: decrypted bytes into the receive buffer (what was decrypted before first; else
    // one receive from the socket, decrypted). The bytes added, 0 when the client ended the session, -1 for none now.
    private long ReceiveTls()
    {
        var tls = _tls!;
        try
        {
            var moved = tls.TakePlaintext(_input);
            if (moved > 0 || tls.Ended || !tls.WaitsForCiphertext)
            {
                return moved > 0 ? moved : tls.Ended ? 0 : -1;
            }

            var received = tls.ReceiveFrom(Fd, out var error);
            if (received < 0)
            {
                if (error is not (Native.EAGAIN or Native.EINTR))
                {
                    Fail("receive", error);
                }

                return -1;
            }

            LastActivity = Environment.TickCount64;

            // What the session wrote while reading (an alert) goes out at the end of the turn.
            SendTlsSoon();
            moved = tls.TakePlaintext(_input);
            return moved > 0 ? moved : tls.Ended ? 0 : -1;
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
            // Not TLS, a record that does not decrypt, a stream cut inside a record: this connection is done.
            ServerLog.TlsSessionFailed(_services.Logger, Id, e.Message);
            Close();
            return -1;
        }
    }

    // Sends the pending ciphertext, encrypting the responses a chunk at a time, so that what the connection holds in
    // ciphertext stays about one chunk whatever it answers. False when the socket cannot take it all now.
    private bool FlushTls()
    {
        var tls = _tls!;
        while (true)
        {
            while (tls.HasOutgoing)
            {
                var sent = SendSome(tls.Outgoing);
                if (sent == 0)
                {
                    return false;
                }

                tls.Sent(sent);
            }

            if (_sent == _output.WrittenCount)
            {
                break;
            }

            var chunk = Math.Min(TlsSession.MaxEncryptChunk, _output.WrittenCount - _sent);
            tls.Encrypt(_output.WrittenMemory.Slice(_sent, chunk));
            _sent += chunk;
        }

        _output.Reset();
        _sent = 0;
        return true;
    }

    // Ciphertext the session wrote outside a flush (handshake messages, a key update's answer) goes out at the turn's end.
    private void SendTlsSoon()
    {
        if (_tls!.HasOutgoing && !_dirty)
        {
            _dirty = true;
            _loop.MarkDirty(this);
        }
    }

    // Closing an established session: close_notify, sent if the socket takes it now (a client that reads sees an orderly end).
    private void SayGoodbyeInTls()
    {
        if (_tls is { Established: true } tls)
        {
            tls.WriteCloseNotify();
            SendOutgoingCiphertext();
        }
    }

    private void SendOutgoingCiphertext()
    {
        var tls = _tls!;
        while (tls.HasOutgoing)
        {
            var sent = Native.Send(Fd, tls.Outgoing);
            if (sent <= 0)
            {
                return;
            }

            tls.Sent((int)sent);
        }
    }
}
