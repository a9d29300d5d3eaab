using BenchmarkDotNet.Attributes;
using Kv.Protocol;

namespace Kv.Benchmarks;

/// <summary>Encoding one GET or SET command (16-byte key, 32-byte value) into a span, in each protocol version.</summary>
[MemoryDiagnoser]
[MedianColumn]
public class EncodeBenchmarks
{
    private readonly byte[] _destination = new byte[256];
    private readonly byte[] _key = Frames.Key;
    private readonly byte[] _value = Frames.Value;

    [Benchmark]
    public int EncodeV0Get() => CommandEncoder.Encode(_destination, ProtocolVersion.V0, CommandKind.Get, 0, _key, []);

    [Benchmark]
    public int EncodeV0Set() => CommandEncoder.Encode(_destination, ProtocolVersion.V0, CommandKind.Set, 0, _key, _value);

    [Benchmark]
    public int EncodeV1Get() => CommandEncoder.Encode(_destination, ProtocolVersion.V1, CommandKind.Get, 1, _key, []);

    [Benchmark]
    public int EncodeV1Set() => CommandEncoder.Encode(_destination, ProtocolVersion.V1, CommandKind.Set, 1, _key, _value);
}
