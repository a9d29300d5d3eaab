using BenchmarkDotNet.Attributes;
using Kv.Storage;
using Kv.Testing.HashFlooding;

namespace Kv.Benchmarks.Storage;

/// <summary>
/// Hash flooding: 65,536 keys of 256 bytes that all share one hash under the store's former hash, inserted into a fresh
/// store, against 65,536 random keys of the same length. Under a keyed hash the two must cost the same (the former hash
/// made the family quadratic: 34 s against 0.7 s through the server).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[InvocationCount(1)]
public class HashFloodingBenchmarks
{
    private readonly byte[] _value = new byte[32];
    private List<byte[]> _colliding = [];
    private List<byte[]> _random = [];
    private MemoryStore? _store;

    [GlobalSetup]
    public void Setup()
    {
        _colliding = CollidingFamily.Build(16);
        var random = new Random(16);
        _random = _colliding.Select(key =>
        {
            var other = new byte[key.Length];
            random.NextBytes(other);
            return other;
        }).ToList();
    }

    [IterationSetup]
    public void CreateStore() => _store = new MemoryStore(new MemoryStoreOptions { BackgroundMaintenance = false });

    [IterationCleanup]
    public void DisposeStore() => _store?.Dispose();

    [Benchmark(Baseline = true)]
    public long InsertRandomKeys() => Insert(_random);

    [Benchmark]
    public long InsertCollidingFamily() => Insert(_colliding);

    private long Insert(List<byte[]> keys)
    {
        foreach (var key in keys)
        {
            _store!.Set(key, _value);
        }

        return _store!.Count;
    }
}
