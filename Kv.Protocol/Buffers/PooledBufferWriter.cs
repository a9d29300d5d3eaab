using System;
using System.Buffers;
using CommunityToolkit.HighPerformance.Buffers;

namespace Kv.Protocol.Buffers;

/// <summary>
/// What a connection encodes frames into before sending them with one socket call: the toolkit's
/// <see cref="ArrayPoolBufferWriter{T}"/> (an array rented from the shared pool, grown as needed), plus
/// <see cref="Reset"/>, which forgets what was sent and gives an array grown past four times the starting size back to
/// the pool, so that an idle connection holds only its starting size.
/// </summary>
/// <remarks>Not thread-safe. <see cref="Dispose"/> returns the array; the writer must not be used after it.</remarks>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private readonly ArrayPool<byte> _pool;
    private readonly int _initialSize;
    private ArrayPoolBufferWriter<byte> _buffer;

    /// <summary>Creates a writer that rents <paramref name="initialSize"/> bytes at once.</summary>
    /// <param name="initialSize">The starting size, and the size <see cref="Reset"/> shrinks back to.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialSize"/> is not positive.</exception>
    public PooledBufferWriter(int initialSize = 4096)
        : this(initialSize, ArrayPool<byte>.Shared)
    {
    }

    /// <summary>Creates a writer that rents <paramref name="initialSize"/> bytes at once from <paramref name="pool"/>.</summary>
    /// <param name="initialSize">The starting size, and the size <see cref="Reset"/> shrinks back to.</param>
    /// <param name="pool">Where the arrays come from and go back to. A pool that cannot give an array throws from
    /// <see cref="GetSpan"/> or <see cref="GetMemory"/>, before anything is written.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialSize"/> is not positive.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="pool"/> is null.</exception>
    public PooledBufferWriter(int initialSize, ArrayPool<byte> pool)
    {
        if (initialSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(initialSize), initialSize, "The initial size must be positive.");
        }

        _pool = pool ?? throw new ArgumentNullException(nameof(pool));
        _initialSize = initialSize;
        _buffer = new ArrayPoolBufferWriter<byte>(pool, initialSize);
    }

    /// <summary>How many bytes have been written since the last <see cref="Reset"/>.</summary>
    public int WrittenCount => _buffer.WrittenCount;

    /// <summary>The bytes written since the last <see cref="Reset"/>; valid until the next write or reset.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    /// <summary>The bytes written since the last <see cref="Reset"/>; valid until the next write or reset.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>The size of the rented array now.</summary>
    public int Capacity => _buffer.Capacity;

    /// <inheritdoc />
    public void Advance(int count) => _buffer.Advance(count);

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.GetMemory(sizeHint);

    /// <summary>
    /// Room to write at least <paramref name="sizeHint"/> bytes, right after the written ones. Until <see cref="Advance"/>,
    /// a further call asking for no more room than the array already has after the written bytes returns the same
    /// memory, with whatever was written there: a response can be encoded before it is known to stand, then committed
    /// with <see cref="Advance"/> or written over.
    /// </summary>
    /// <param name="sizeHint">The least room wanted; 0 for any.</param>
    public Span<byte> GetSpan(int sizeHint = 0) => _buffer.GetSpan(sizeHint);

    /// <summary>Forgets the written bytes (they have been sent), and gives back an array grown past 4x the starting size.</summary>
    public void Reset()
    {
        if (_buffer.Capacity > _initialSize * 4L)
        {
            _buffer.Dispose();
            _buffer = new ArrayPoolBufferWriter<byte>(_pool, _initialSize);
        }
        else
        {
            _buffer.Clear();
        }
    }

    /// <summary>Forgets the written bytes and keeps the array, whatever its size: for a rewrite of what was written.</summary>
    public void Clear() => _buffer.Clear();

    /// <summary>Returns the array to the pool.</summary>
    public void Dispose() => _buffer.Dispose();
}
