using System.Buffers;

namespace Kv.Benchmarks;

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/> over an array, without copying.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Of(byte[] data, int segmentLength)
    {
        var first = new Segments(data.AsMemory(0, Math.Min(segmentLength, data.Length)), 0);
        var last = first;
        for (var start = segmentLength; start < data.Length; start += segmentLength)
        {
            var next = new Segments(data.AsMemory(start, Math.Min(segmentLength, data.Length - start)), start);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
