using System.Buffers;
using BenchmarkDotNet.Attributes;
using Kv.Protocol;

namespace Kv.Benchmarks;

/// <summary>
/// Parsing a 1 MiB buffer of pipelined version-0 GET frames (16-byte keys), frame after frame until it is consumed,
/// as a server does with a full receive buffer. OperationsPerInvoke is the frame count, so the time per operation is
/// the time per frame, and frames per second on one core is 1e9 / (ns per operation). The baseline copies the same
/// buffer with Span.CopyTo, so the Ratio column is parse time over copy time.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PipelinedParseBenchmarks
{
    /// <summary>A version-0 GET with a 16-byte key: header (3), key length (4), key (16).</summary>
    public const int FrameLength = FrameFormat.V0RequestHeaderSize + FrameFormat.StringLengthSize + Frames.KeyLength;

    /// <summary>As many frames as fit in 1 MiB.</summary>
    public const int FrameCount = (1 << 20) / FrameLength;

    private readonly byte[] _buffer = new byte[FrameCount * FrameLength];
    private readonly byte[] _copy = new byte[FrameCount * FrameLength];
    private ReadOnlySequence<byte> _segmented;

    [GlobalSetup]
    public void Setup()
    {
        var frame = Frames.Get(ProtocolVersion.V0);
        if (frame.Length != FrameLength)
        {
            throw new InvalidOperationException($"A GET frame is {frame.Length} bytes, not {FrameLength}.");
        }

        for (var i = 0; i < FrameCount; i++)
        {
            frame.CopyTo(_buffer, i * FrameLength);
        }

        _segmented = Segments.Of(_buffer, 4096);
        if (ParseAll() != FrameCount * Frames.KeyLength || ParseAllSegmented() != FrameCount * Frames.KeyLength)
        {
            throw new InvalidOperationException("The buffer did not parse into the expected frames.");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = FrameCount)]
    public void CopyBuffer() => _buffer.AsSpan().CopyTo(_copy);

    [Benchmark(OperationsPerInvoke = FrameCount)]
    public long ParsePipelinedV0Gets() => ParseAll();

    /// <summary>The same frames in 4 KiB segments (as System.IO.Pipelines hands them over), parsed through a sequence.</summary>
    [Benchmark(OperationsPerInvoke = FrameCount)]
    public long ParsePipelinedV0GetsSegmented() => ParseAllSegmented();

    private long ParseAll()
    {
        var parser = CommandParser.Default;
        ReadOnlySpan<byte> rest = _buffer;
        long keyBytes = 0;
        while (parser.TryParse(rest, out var command, out _) == ParseStatus.Complete)
        {
            keyBytes += command.Key.Length;
            rest = rest.Slice(command.FrameLength);
        }

        return keyBytes;
    }

    private long ParseAllSegmented()
    {
        var parser = CommandParser.Default;
        var rest = _segmented;
        long keyBytes = 0;
        while (parser.TryParse(rest, out var command, out _) == ParseStatus.Complete)
        {
            keyBytes += command.Key.Length;
            rest = rest.Slice(command.FrameLength);
        }

        return keyBytes;
    }
}
