using System.Buffers;

namespace Kv.Fuzz;

/// <summary>Cuts inputs into multi-segment sequences and chunks, at points drawn from a seed taken from the input itself.</summary>
internal static class Segments
{
    /// <summary>A seed that is a function of the input, so that a saved crash replays exactly (FNV-1a).</summary>
    public static int SeedOf(ReadOnlySpan<byte> data)
    {
        var hash = 2166136261u;
        foreach (var b in data)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash & 0x7fffffff);
    }

    /// <summary><paramref name="data"/> as a sequence of segments of random sizes (some empty), each in its own array.</summary>
    public static ReadOnlySequence<byte> Cut(ReadOnlySpan<byte> data, Random random)
    {
        Segment? first = null;
        Segment? last = null;
        var offset = 0;
        do
        {
            var size = random.Next(4) == 0 ? 0 : Math.Min(data.Length - offset, 1 + random.Next(Math.Max(1, Math.Min(16, data.Length))));
            var piece = data.Slice(offset, size).ToArray();
            offset += size;
            if (last is null)
            {
                first = last = new Segment(piece, 0);
            }
            else
            {
                last = last.Append(piece);
            }
        }
        while (offset < data.Length);

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
