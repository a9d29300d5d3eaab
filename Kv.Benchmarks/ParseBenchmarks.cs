using BenchmarkDotNet.Attributes;
using Kv.Protocol;

namespace Kv.Benchmarks;

/// <summary>Parsing one GET or SET command (16-byte key, 32-byte value) from a span, in each protocol version.</summary>
[MemoryDiagnoser]
[MedianColumn]
public class ParseBenchmarks
{
    private readonly byte[] _v0Get = Frames.Get(ProtocolVersion.V0);
    private readonly byte[] _v0Set = Frames.Set(ProtocolVersion.V0);
    private readonly byte[] _v1Get = Frames.Get(ProtocolVersion.V1);
    private readonly byte[] _v1Set = Frames.Set(ProtocolVersion.V1);

    [Benchmark]
    public int ParseV0Get() => Parse(_v0Get);

    [Benchmark]
    public int ParseV0Set() => Parse(_v0Set);

    [Benchmark]
    public int ParseV1Get() => Parse(_v1Get);

    [Benchmark]
    public int ParseV1Set() => Parse(_v1Set);

    // Returns something that depends on every part of the view, so that none of the work can be dropped.
    private static int Parse(byte[] frame)
    {
        var status = CommandParser.Default.TryParse(frame, out var command, out _);
        return (int)status + command.FrameLength + command.Key.Length + command.Value.Length + (int)command.RequestId;
    }
}
