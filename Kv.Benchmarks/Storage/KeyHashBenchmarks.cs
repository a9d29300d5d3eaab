using System.IO.Hashing;
using BenchmarkDotNet.Attributes;
using Kv.Storage.Hashing;
using Kv.Testing.HashFlooding;

namespace Kv.Benchmarks.Storage;

/// <summary>
/// The cost of hashing one key: SipHash-1-3 (the store's), SipHash-2-4, beside XXH3 (a fast unkeyed hash, no defence
/// against flooding) and the seeded hash the store used before (no defence either, as the flooding family shows).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class KeyHashBenchmarks
{
    private const ulong Key0 = 0x0706050403020100UL;
    private const ulong Key1 = 0x0f0e0d0c0b0a0908UL;
    private byte[] _key = [];

    [Params(16, 64, 256)]
    public int KeyLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _key = new byte[KeyLength];
        new Random(KeyLength).NextBytes(_key);
    }

    [Benchmark(Baseline = true)]
    public ulong SipHash13() => SipHash.Hash13(Key0, Key1, _key);

    [Benchmark]
    public ulong SipHash24() => SipHash.Hash24(Key0, Key1, _key);

    [Benchmark]
    public ulong XxHash3Unkeyed() => XxHash3.HashToUInt64(_key);

    [Benchmark]
    public ulong FormerSeededHash() => LegacyHash.Compute(Key0, _key);
}
