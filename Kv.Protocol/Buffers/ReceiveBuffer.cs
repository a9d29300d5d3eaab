using System;
using System.Buffers;

namespace Kv.Protocol.Buffers;

/// <summary>
/// Bytes received from a stream and not yet parsed into frames, held in an array rented from a pool
/// (<see cref="ArrayPool{T}.Shared"/> unless another is given: a server's own, say, that counts client memory). Receive into <see cref="GetFreeSpace"/>, <see cref="Commit"/> what arrived, parse
/// <see cref="Unparsed"/>, and <see cref="Consume"/> each frame parsed. When the array is full, the unparsed bytes are
/// first moved to its front; it grows (doubling) only when one frame needs more room, and asks for no more than the
/// frame limit plus the starting size (the pool may round that up), since the parsers reject a longer frame from its
/// length prefixes before its body arrives. It shrinks back to the starting size whenever it empties.
/// </summary>
/// <remarks>Not thread-safe. <see cref="Dispose"/> returns the array; the buffer must not be used after it.</remarks>
public sealed class ReceiveBuffer : IDisposable
{
    // Array.MaxLength, which netstandard2.0 lacks.
    private const int MaxArrayLength = 0x7FFFFFC7;

    private readonly ArrayPool<byte> _pool;
    private readonly int _initialSize;
    private readonly int _maxSize;
    private byte[] _buffer;
    private int _start;
    private int _end;

    /// <summary>Creates a buffer that rents <paramref name="initialSize"/> bytes at once.</summary>
    /// <param name="initialSize">The starting size, and the size it shrinks back to when it empties.</param>
    /// <param name="maxFrameBytes">The largest frame the parser accepts (<see cref="ProtocolLimits.MaxFrameBytes"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public ReceiveBuffer(int initialSize, int maxFrameBytes)
        : this(initialSize, maxFrameBytes, ArrayPool<byte>.Shared)
    {
    }

    /// <summary>Creates a buffer that rents <paramref name="initialSize"/> bytes at once from <paramref name="pool"/>.</summary>
    /// <param name="initialSize">The starting size, and the size it shrinks back to when it empties.</param>
    /// <param name="maxFrameBytes">The largest frame the parser accepts (<see cref="ProtocolLimits.MaxFrameBytes"/>).</param>
    /// <param name="pool">Where the arrays come from and go back to. A pool that cannot give an array throws from
    /// <see cref="GetFreeSpace"/>, which leaves the buffer as it was.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="pool"/> is null.</exception>
    public ReceiveBuffer(int initialSize, int maxFrameBytes, ArrayPool<byte> pool)
    {
        _pool = pool ?? throw new ArgumentNullException(nameof(pool));
        if (initialSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(initialSize), initialSize, "The initial size must be positive.");
        }

        if (maxFrameBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxFrameBytes), maxFrameBytes, "The frame limit must be positive.");
        }

        _initialSize = initialSize;
        _maxSize = (int)Math.Min(MaxArrayLength, (long)maxFrameBytes + initialSize);
        _buffer = pool.Rent(initialSize);
    }

    /// <summary>How many bytes are received and not yet consumed.</summary>
    public int Length => _end - _start;

    /// <summary>The bytes received and not yet consumed; valid until the next call that changes the buffer.</summary>
    public ReadOnlySpan<byte> Unparsed => _buffer.AsSpan(_start, _end - _start);

    /// <summary>The size of the rented array now.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>
    /// The free space after the unparsed bytes, never empty: made by moving them to the front, or by growing when a
    /// single frame fills the whole array.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The unparsed bytes already fill the largest buffer allowed: they hold no frame the parser would accept, which
    /// a caller that parses before receiving again never sees.
    /// </exception>
    public Memory<byte> GetFreeSpace()
    {
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            else
            {
                Grow();
            }
        }

        return _buffer.AsMemory(_end);
    }

    /// <summary>Adds <paramref name="received"/> bytes, just written into <see cref="GetFreeSpace"/>, to the unparsed ones.</summary>
    /// <exception cref="ArgumentOutOfRangeException">More bytes than the free space holds.</exception>
    public void Commit(int received)
    {
        if (received < 0 || received > _buffer.Length - _end)
        {
            throw new ArgumentOutOfRangeException(nameof(received), received, "Cannot commit more than the free space.");
        }

        _end += received;
    }

    /// <summary>Drops <paramref name="count"/> parsed bytes from the front of <see cref="Unparsed"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">More bytes than are unparsed.</exception>
    public void Consume(int count)
    {
        if (count < 0 || count > _end - _start)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Cannot consume more than the unparsed bytes.");
        }

        _start += count;
        if (_start != _end)
        {
            return;
        }

        _start = _end = 0;
        if (_buffer.Length > _initialSize * 4L)
        {
            var small = _pool.Rent(_initialSize);
            _pool.Return(_buffer);
            _buffer = small;
        }
    }

    /// <summary>Returns the array to the pool.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _start = _end = 0;
        if (buffer.Length > 0)
        {
            _pool.Return(buffer);
        }
    }

    private void Grow()
    {
        if (_buffer.Length >= _maxSize)
        {
            throw new InvalidOperationException($"The unparsed bytes fill the largest receive buffer allowed ({_maxSize} bytes) without a whole frame.");
        }

        var grown = _pool.Rent((int)Math.Min((long)_buffer.Length * 2, _maxSize));
        _buffer.AsSpan(0, _end).CopyTo(grown);
        _pool.Return(_buffer);
        _buffer = grown;
    }
}
