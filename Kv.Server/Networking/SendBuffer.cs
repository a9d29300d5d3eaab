using System.Buffers;

namespace Kv.Server.Networking;

/// <summary>
/// A connection's pending responses: a pooled, growable array that the protocol encoders write into, sent with one
/// socket call per batch. It returns to its starting size once a large response has gone out, so an idle
/// connection holds only a small buffer.
/// </summary>
internal sealed class SendBuffer : IBufferWriter<byte>, IDisposable
{
    private readonly int _initialSize;
    private byte[] _buffer;
    private int _count;

    public SendBuffer(int initialSize)
    {
        _initialSize = initialSize;
        _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
    }

    public int Count => _count;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _count);

    public void Advance(int count)
    {
        if (count < 0 || _count + count > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _count += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_count);
    }

    /// <summary>Forgets what was sent, and gives back an oversized array.</summary>
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

    private void Ensure(int sizeHint)
    {
        var needed = (long)_count + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        var size = Math.Max((long)_buffer.Length * 2, needed);
        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(size, Array.MaxLength));
        _buffer.AsSpan(0, _count).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }
}
