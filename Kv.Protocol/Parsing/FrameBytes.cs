using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Kv.Protocol;

/// <summary>
/// Random access to the big-endian fields of a frame held either in one span or in a multi-segment sequence.
/// One parsing algorithm runs over both: fields inside the first span are read directly, and only a field that
/// straddles a segment boundary is copied (four bytes at a time, to the stack).
/// </summary>
internal readonly ref struct FrameBytes
{
    private readonly ReadOnlySpan<byte> _first;
    private readonly ReadOnlySequence<byte> _sequence;

    public FrameBytes(ReadOnlySpan<byte> span)
    {
        _first = span;
        _sequence = default;
        Length = span.Length;
    }

    public FrameBytes(in ReadOnlySequence<byte> sequence)
    {
#if NET
        _first = sequence.FirstSpan;
#else
        _first = sequence.First.Span;
#endif
        _sequence = sequence;
        Length = sequence.Length;
    }

    /// <summary>How many bytes are available.</summary>
    public long Length { get; }

    public byte ReadByte(long offset) => offset < _first.Length ? _first[(int)offset] : (byte)ReadStraddling(offset, 1);

    public ushort ReadUInt16(long offset) => offset + 2 <= _first.Length
        ? BinaryPrimitives.ReadUInt16BigEndian(_first.Slice((int)offset))
        : (ushort)ReadStraddling(offset, 2);

    public uint ReadUInt32(long offset) => offset + 4 <= _first.Length
        ? BinaryPrimitives.ReadUInt32BigEndian(_first.Slice((int)offset))
        : ReadStraddling(offset, 4);

    public ulong ReadUInt64(long offset) => offset + 8 <= _first.Length
        ? BinaryPrimitives.ReadUInt64BigEndian(_first.Slice((int)offset))
        : ((ulong)ReadUInt32(offset) << 32) | ReadUInt32(offset + 4);

    // Kept out of the readers above so that they inline: a method with stackalloc cannot be inlined.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint ReadStraddling(long offset, int size)
    {
        Span<byte> bytes = stackalloc byte[4];
        Copy(offset, bytes.Slice(0, size));
        uint value = 0;
        for (var i = 0; i < size; i++)
        {
            value = (value << 8) | bytes[i];
        }

        return value;
    }

    // Only reached in sequence mode: callers check Length before reading, and in span mode Length is the span's.
    private Span<byte> Copy(long offset, Span<byte> destination)
    {
        _sequence.Slice(offset, destination.Length).CopyTo(destination);
        return destination;
    }
}
