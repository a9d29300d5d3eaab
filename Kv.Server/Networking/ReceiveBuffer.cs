using System.Buffers;

namespace Kv.Server.Networking;

/// <summary>
/// A connection's received bytes: a pooled array holding unparsed input from <see cref="Start"/> to
/// <see cref="End"/>. It grows only when one frame needs more room (never past the frame limit, which the parser
/// enforces from the length prefixes), and shrinks back when it empties.
/// </summary>
internal sealed class ReceiveBuffer : IDisposable
{
    private readonly int _initialSize;
    private readonly int _maxSize;
    private byte[] _buffer;

    public ReceiveBuffer(int initialSize, int maxFrameBytes)
    {
        _initialSize = initialSize;
        _maxSize = Math.Max(initialSize, maxFrameBytes);
        _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
    }

    public int Start { get; private set; }

    public int End { get; private set; }

    public int Length => End - Start;

    public ReadOnlySpan<byte> Unparsed => _buffer.AsSpan(Start, End - Start);

    /// <summary>Free space after the data, made by moving data to the front or growing when the buffer is full.</summary>
    public Memory<byte> GetFreeSpace()
    {
        if (End == _buffer.Length)
        {
            if (Start > 0)
            {
                Compact();
            }
            else
            {
                Grow();
            }
        }

        return _buffer.AsMemory(End);
    }

    public void Commit(int received) => End += received;

    public void Consume(int count)
    {
        Start += count;
        if (Start == End)
        {
            Start = End = 0;
            if (_buffer.Length > _initialSize * 4)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = ArrayPool<byte>.Shared.Rent(_initialSize);
            }
        }
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        Start = End = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Compact()
    {
        _buffer.AsSpan(Start, End - Start).CopyTo(_buffer);
        End -= Start;
        Start = 0;
    }

    private void Grow()
    {
        if (_buffer.Length >= _maxSize)
        {
            // Unreachable while the parser enforces the same limit: a frame never needs more than _maxSize bytes.
            throw new InvalidOperationException("A frame outgrew the receive buffer limit.");
        }

        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)_buffer.Length * 2, _maxSize));
        _buffer.AsSpan(0, End).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }
}
