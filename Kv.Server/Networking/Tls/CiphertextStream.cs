using System.Buffers;
using System.Threading.Tasks.Sources;
using CommunityToolkit.HighPerformance.Buffers;
using Kv.Epoll;

namespace Kv.Server.Networking.Tls;

/// <summary>
/// The ciphertext side of an <see cref="System.Net.Security.SslStream"/> served by an event loop, in place of a socket
/// stream: what the stream sends is kept for the loop to send when the socket takes it, and what it reads it waits for
/// until the loop receives it, straight from the socket into the stream's own buffer. Nothing here blocks or runs on
/// another thread: a read the loop completes resumes the stream on the loop's thread, inline, so that an
/// <see cref="System.Net.Security.SslStream"/> operation whose ciphertext is all there completes before the loop's call
/// returns.
/// </summary>
internal sealed class CiphertextStream : Stream, IValueTaskSource<int>
{
    private readonly ArrayPoolBufferWriter<byte> _outgoing = new(4096);
    private ManualResetValueTaskSourceCore<int> _read;
    private Memory<byte> _readDestination;
    private bool _readPending;
    private int _outgoingSent;

    /// <summary>Whether the stream waits for ciphertext: only then may the loop receive from the socket.</summary>
    public bool WaitsForCiphertext => _readPending;

    /// <summary>Ciphertext written by the stream and not sent yet.</summary>
    public ReadOnlySpan<byte> Outgoing => _outgoing.WrittenSpan[_outgoingSent..];

    /// <summary>Whether ciphertext waits to be sent.</summary>
    public bool HasOutgoing => _outgoingSent < _outgoing.WrittenCount;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// Receives once from the socket into the waiting read's buffer and completes it, which resumes the stream inline.
    /// Call only while <see cref="WaitsForCiphertext"/>.
    /// </summary>
    /// <param name="fd">The socket.</param>
    /// <param name="error">When the receive failed, its errno (EAGAIN: nothing there now); read here, before the stream
    /// runs again and makes system calls of its own.</param>
    /// <returns>The bytes received; 0 when the peer closed (the read completes with the end of the stream); -1 when the
    /// receive failed, and the read still waits.</returns>
    public long ReceiveFrom(int fd, out int error)
    {
        // SslStream first asks for zero bytes while it holds none (to rent its buffer only once data is there). Answered
        // at once: the loop calls this when the socket is readable, and the real read that follows is then received into.
        while (_readPending && _readDestination.IsEmpty)
        {
            CompleteRead(0);
        }

        error = 0;
        if (!_readPending)
        {
            error = Native.EAGAIN;
            return -1;
        }

        var received = Native.Receive(fd, _readDestination.Span);
        if (received < 0)
        {
            error = Native.LastError;
            return -1;
        }

        CompleteRead((int)received);
        return received;
    }

    /// <summary>Completes a waiting read (and the ones it leads to) with the end of the stream, before disposal.</summary>
    public void EndWaitingRead()
    {
        // The stream asks at most twice more (a zero-byte read, then a real one) before it gives up on the end.
        for (var i = 0; i < 4 && _readPending; i++)
        {
            CompleteRead(0);
        }
    }

    /// <summary>Counts <paramref name="count"/> bytes of <see cref="Outgoing"/> as sent.</summary>
    public void Sent(int count)
    {
        _outgoingSent += count;
        if (_outgoingSent == _outgoing.WrittenCount)
        {
            _outgoing.Clear();
            _outgoingSent = 0;
        }
    }

    private void CompleteRead(int count)
    {
        _readPending = false;
        _readDestination = default;

        // Resumes the stream here, inline: it may read again (and wait again) before this returns.
        _read.SetResult(count);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_readPending)
        {
            throw new InvalidOperationException("A read is already waiting for ciphertext.");
        }

        _read.Reset();
        _readDestination = buffer;
        _readPending = true;
        return new ValueTask<int>(this, _read.Version);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The event loop's TLS is read asynchronously only.");

    public override void Write(ReadOnlySpan<byte> buffer) => _outgoing.Write(buffer);

    public override void Write(byte[] buffer, int offset, int count) => _outgoing.Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _outgoing.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _outgoing.Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    int IValueTaskSource<int>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, flags);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // A read still waiting is never completed: the stream above is disposed with it and nothing awaits it.
            _readPending = false;
            _readDestination = default;
            _outgoing.Dispose();
        }

        base.Dispose(disposing);
    }
}
