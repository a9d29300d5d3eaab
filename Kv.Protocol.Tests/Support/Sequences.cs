using System.Buffers;

namespace Kv.Protocol.Tests.Support;

/// <summary>A segment of a test <see cref="ReadOnlySequence{T}"/>; each segment owns a separate array.</summary>
internal sealed class TestSegment : ReadOnlySequenceSegment<byte>
{
    public TestSegment(ReadOnlyMemory<byte> data, long runningIndex)
    {
        Memory = data;
        RunningIndex = runningIndex;
    }

    public TestSegment Append(ReadOnlyMemory<byte> data)
    {
        var next = new TestSegment(data, RunningIndex + Memory.Length);
        Next = next;
        return next;
    }
}

/// <summary>Multi-segment sequences cut wherever a test wants. Every segment is a copy in its own array.</summary>
internal static class Sequences
{
    /// <summary>
    /// Cuts <paramref name="data"/> at the given offsets (in any order). A cut at 0, at the end, or two equal cuts
    /// give empty segments, which a parser must also cope with.
    /// </summary>
    public static ReadOnlySequence<byte> Cut(ReadOnlySpan<byte> data, params ReadOnlySpan<int> cuts)
    {
        var sorted = cuts.ToArray();
        Array.Sort(sorted);
        var start = 0;
        TestSegment? first = null;
        TestSegment? last = null;
        foreach (var cut in sorted)
        {
            Add(data[start..cut].ToArray());
            start = cut;
        }

        Add(data[start..].ToArray());
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);

        void Add(byte[] piece)
        {
            if (last is null)
            {
                first = last = new TestSegment(piece, 0);
            }
            else
            {
                last = last.Append(piece);
            }
        }
    }

    /// <summary>Chunks of <paramref name="size"/> bytes (the last may be shorter).</summary>
    public static ReadOnlySequence<byte> Chunks(ReadOnlySpan<byte> data, int size)
    {
        var cuts = new int[Math.Max(0, (data.Length - 1) / size)];
        for (var i = 0; i < cuts.Length; i++)
        {
            cuts[i] = (i + 1) * size;
        }

        return Cut(data, cuts);
    }

    /// <summary>Two segments over <paramref name="data"/>'s own memory, without copying (for very large frames).</summary>
    public static ReadOnlySequence<byte> SplitInPlace(ReadOnlyMemory<byte> data, int at)
    {
        var first = new TestSegment(data[..at], 0);
        var last = first.Append(data[at..]);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static ReadOnlySequence<byte> OneBytePerSegment(ReadOnlySpan<byte> data) => Chunks(data, 1);
}
