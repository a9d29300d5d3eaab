using System.Buffers;
using System.Net.Security;
using Kv.Protocol.Buffers;

namespace Kv.Server.Networking.Tls;

/// <summary>
/// One connection's TLS on an event loop: an <see cref="SslStream"/> over a <see cref="CiphertextStream"/>, driven by the
/// loop's thread. The loop receives ciphertext when the session waits for it (<see cref="WaitsForCiphertext"/>), which
/// runs the handshake or decrypts on the spot; it takes the plaintext out (<see cref="TakePlaintext"/>), has its responses
/// encrypted (<see cref="Encrypt"/>) and sends <see cref="Outgoing"/> when the socket takes it. One read is always
/// outstanding after the handshake, into a staging buffer the session alone owns, so the receive buffer it fills can be
/// compacted and grown between turns as the plain connection's is.
/// </summary>
internal sealed class TlsSession : IDisposable
{
    /// <summary>The most plaintext encrypted at once: bounds the ciphertext a connection holds to about this much.</summary>
    public const int MaxEncryptChunk = 64 * 1024;

    // A TLS record's plaintext is at most 16 KiB: one staging buffer takes a whole record.
    private const int StagingSize = 16 * 1024;

    private readonly CiphertextStream _ciphertext = new();
    private readonly SslStream _stream;
    private readonly byte[] _staging = ArrayPool<byte>.Shared.Rent(StagingSize);
    private Task? _handshake;
    private ValueTask<int> _read;
    private bool _reading;
    private int _stagedStart;
    private int _stagedEnd;
    private bool _disposed;

    private readonly SslServerAuthenticationOptions _options;

    /// <param name="options">The handshake's settings (the certificate current when the connection was accepted).</param>
    public TlsSession(SslServerAuthenticationOptions options)
    {
        _options = options;
        _stream = new SslStream(_ciphertext, leaveInnerStreamOpen: false);
    }

    /// <summary>Whether the handshake has completed successfully.</summary>
    public bool Established { get; private set; }

    /// <summary>Whether the client has closed the session (close_notify, or the end of the stream at a record's end).</summary>
    public bool Ended { get; private set; }

    /// <summary>Whether the session can use ciphertext from the socket now.</summary>
    public bool WaitsForCiphertext => _ciphertext.WaitsForCiphertext;

    /// <summary>Ciphertext to send (handshake messages, encrypted responses, alerts).</summary>
    public ReadOnlySpan<byte> Outgoing => _ciphertext.Outgoing;

    public bool HasOutgoing => _ciphertext.HasOutgoing;

    /// <summary>Decrypted bytes the receive buffer has not taken yet (it was full, or the connection was not read).</summary>
    public bool HasPlaintext => _stagedEnd > _stagedStart || (_reading && _read.IsCompleted);

    /// <summary>The protocol and cipher suite agreed, for the log.</summary>
    public SslStream Stream => _stream;

    /// <summary>Starts the handshake: it goes on as the loop receives ciphertext (<see cref="ReceiveFrom"/>).</summary>
    public void BeginHandshake() => _handshake = _stream.AuthenticateAsServerAsync(_options, CancellationToken.None);

    /// <summary>
    /// Whether the handshake has ended; <paramref name="failure"/> says why it failed, null when it succeeded. Once it has
    /// succeeded, the first read is started (the client's first requests often come with its last handshake message).
    /// </summary>
    public bool TryCompleteHandshake(out Exception? failure)
    {
        failure = null;
        if (_handshake is not { IsCompleted: true } handshake)
        {
            return false;
        }

        if (!handshake.IsCompletedSuccessfully)
        {
            failure = handshake.Exception?.InnerException ?? handshake.Exception;
            return true;
        }

        Established = true;
        StartRead();
        return true;
    }

    /// <inheritdoc cref="CiphertextStream.ReceiveFrom"/>
    public long ReceiveFrom(int fd, out int error) => _ciphertext.ReceiveFrom(fd, out error);

    /// <inheritdoc cref="CiphertextStream.Sent"/>
    public void Sent(int count) => _ciphertext.Sent(count);

    /// <summary>
    /// Moves decrypted bytes into <paramref name="input"/>, as much as its free space takes and the session has without
    /// receiving: what one receive would give a plain connection.
    /// </summary>
    /// <returns>The bytes moved; 0 when none are there now (see <see cref="Ended"/>).</returns>
    /// <exception cref="IOException">The client sent something that is not valid TLS, or the session broke.</exception>
    public int TakePlaintext(ReceiveBuffer input)
    {
        var free = input.GetFreeSpace().Span;
        var moved = 0;
        while (moved < free.Length)
        {
            if (_stagedEnd == _stagedStart)
            {
                if (!_reading || !_read.IsCompleted)
                {
                    break;
                }

                _reading = false;
                var count = _read.GetAwaiter().GetResult();
                if (count == 0)
                {
                    Ended = true;
                    break;
                }

                _stagedStart = 0;
                _stagedEnd = count;
            }

            var chunk = Math.Min(_stagedEnd - _stagedStart, free.Length - moved);
            _staging.AsSpan(_stagedStart, chunk).CopyTo(free[moved..]);
            _stagedStart += chunk;
            moved += chunk;
            if (_stagedStart == _stagedEnd)
            {
                StartRead();
            }
        }

        input.Commit(moved);
        return moved;
    }

    /// <summary>Encrypts <paramref name="plaintext"/> (at most <see cref="MaxEncryptChunk"/> bytes) into <see cref="Outgoing"/>.</summary>
    public void Encrypt(ReadOnlyMemory<byte> plaintext)
    {
        var write = _stream.WriteAsync(plaintext);
        if (!write.IsCompleted)
        {
            // The stream encrypts into memory and never waits: anything else is a broken session (or a bug), not a wait.
            throw new IOException("The TLS session did not complete a write at once.");
        }

        write.GetAwaiter().GetResult();
    }

    /// <summary>Adds the close_notify alert to <see cref="Outgoing"/>, when the session is established and still whole.</summary>
    public void WriteCloseNotify()
    {
        if (!Established || _disposed)
        {
            return;
        }

        try
        {
            var shutdown = _stream.ShutdownAsync();
            if (!shutdown.IsCompleted)
            {
                return;
            }

            _ = shutdown.Exception;
        }
        catch (Exception)
        {
            // A session that already failed has nothing to say (OpenSSL refuses the shutdown of a broken session, and
            // .NET says so with a CryptographicException, among others).
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // A read still waiting for ciphertext is ended (the end of the stream) so that the stream gives its buffer back to
        // the pool when disposed; whatever it makes of that is not looked at.
        _ciphertext.EndWaitingRead();
        if (_handshake is { IsCompleted: true, IsFaulted: true } failed)
        {
            _ = failed.Exception;
        }

        _stream.Dispose();

        // A read still outstanding never completes now (its ciphertext will not come), so the array is free to go back.
        ArrayPool<byte>.Shared.Return(_staging);
    }

    private void StartRead()
    {
        _stagedStart = _stagedEnd = 0;
        _read = _stream.ReadAsync(_staging.AsMemory(0, StagingSize));
        _reading = true;
    }
}
