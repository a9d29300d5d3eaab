using System.Buffers;

namespace Kv.Client.Internal;

/// <summary>
/// Bytes received and not yet parsed, from <c>start</c> to <c>end</c> of a pooled array. The reader loop receives
/// into the free space after them; when the array is full it first moves the unparsed bytes to the front and only
/// grows (doubling, never past the frame limit plus one receive) when a single frame needs more room. It shrinks back
/// once it empties.
/// </summary>
internal sealed class ReceiveBuffer : IDisposable
{
    private readonly int _initialSize;
    private readonly int _maxSize;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public ReceiveBuffer(int initialSize, int maxFrameBytes)
    {
        _initialSize = initialSize;
        _maxSize = (int)Math.Min(Array.MaxLength, Math.Max((long)initialSize, (long)maxFrameBytes + initialSize));
        _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
    }

    public ReadOnlySpan<byte> Unparsed => _buffer.AsSpan(_start, _end - _start);

    public Memory<byte> GetFreeSpace()
    {
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Compact();
            }
            else
            {
                Grow();
            }
        }

        return _buffer.AsMemory(_end);
    }

    public void Commit(int received) => _end += received;

    public void Consume(int count)
    {
        _start += count;
        if (_start != _end)
        {
            return;
        }

        _start = _end = 0;
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
        _start = _end = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Compact()
    {
        _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
        _end -= _start;
        _start = 0;
    }

    private void Grow()
    {
        if (_buffer.Length >= _maxSize)
        {
            // Unreachable while the parser enforces the same frame limit.
            throw new InvalidOperationException("A response outgrew the receive buffer limit.");
        }

        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)_buffer.Length * 2, _maxSize));
        _buffer.AsSpan(0, _end).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }
}
