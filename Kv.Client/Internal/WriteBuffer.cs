using System.Buffers;

namespace Kv.Client.Internal;

/// <summary>
/// Encoded requests waiting to be sent: a pooled, growable array that <see cref="Kv.Protocol.CommandEncoder"/> writes
/// into. The connection keeps two and swaps them, so callers append to one while the writer loop sends the other.
/// After sending a large request it shrinks back to its starting size.
/// </summary>
internal sealed class WriteBuffer : IBufferWriter<byte>, IDisposable
{
    private readonly int _initialSize;
    private byte[] _buffer;
    private int _count;

    public WriteBuffer(int initialSize)
    {
        _initialSize = initialSize;
        _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
    }

    public int Count => _count;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _count);

    public void Advance(int count)
    {
        if (count < 0 || count > _buffer.Length - _count)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _count += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsMemory(_count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsSpan(_count);
    }

    /// <summary>Forgets the content (it has been sent), and gives back an oversized array.</summary>
    public void Reset()
    {
        _count = 0;
        if (_buffer.Length > _initialSize * 4)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(_initialSize);
        }
    }

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
        var needed = (long)_count + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException("The pending-write buffer cannot grow past 2 GiB.");
        }

        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max((long)_buffer.Length * 2, needed), Array.MaxLength));
        _buffer.AsSpan(0, _count).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }
}
