using System;
using System.Buffers;

namespace Kv.Protocol.Buffers;

/// <summary>
/// A growable <see cref="IBufferWriter{T}"/> over an array rented from <see cref="ArrayPool{T}.Shared"/>: what a
/// connection encodes frames into before sending them with one socket call. <see cref="Reset"/> forgets what was
/// sent and gives an oversized array back to the pool, so an idle connection holds only its starting size.
/// </summary>
/// <remarks>Not thread-safe. <see cref="Dispose"/> returns the array; the writer must not be used after it.</remarks>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    // Array.MaxLength, which netstandard2.0 lacks.
    private const int MaxArrayLength = 0x7FFFFFC7;

    private readonly int _initialSize;
    private byte[] _buffer;
    private int _count;

    /// <summary>Creates a writer that rents <paramref name="initialSize"/> bytes at once.</summary>
    /// <param name="initialSize">The starting size, and the size <see cref="Reset"/> shrinks back to.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialSize"/> is not positive.</exception>
    public PooledBufferWriter(int initialSize = 4096)
    {
        if (initialSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(initialSize), initialSize, "The initial size must be positive.");
        }

        _initialSize = initialSize;
        _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
    }

    /// <summary>How many bytes have been written since the last <see cref="Reset"/>.</summary>
    public int WrittenCount => _count;

    /// <summary>The bytes written since the last <see cref="Reset"/>; valid until the next write or reset.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _count);

    /// <summary>The bytes written since the last <see cref="Reset"/>; valid until the next write or reset.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _count);

    /// <summary>The size of the rented array now.</summary>
    public int Capacity => _buffer.Length;

    /// <inheritdoc />
    public void Advance(int count)
    {
        if (count < 0 || count > _buffer.Length - _count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Cannot advance past the end of the buffer.");
        }

        _count += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsMemory(_count);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsSpan(_count);
    }

    /// <summary>Forgets the written bytes (they have been sent), and gives back an array grown past 4x the starting size.</summary>
    public void Reset()
    {
        _count = 0;
        if (_buffer.Length > _initialSize * 4L)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(_initialSize);
        }
    }

    /// <summary>Returns the array to the pool.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _count = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void EnsureFree(int sizeHint)
    {
        if (sizeHint < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sizeHint), sizeHint, "The size hint cannot be negative.");
        }

        var needed = (long)_count + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        if (needed > MaxArrayLength)
        {
            throw new InvalidOperationException("The buffer cannot grow past 2 GiB.");
        }

        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max((long)_buffer.Length * 2, needed), MaxArrayLength));
        _buffer.AsSpan(0, _count).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }
}
