namespace Kv.Bench.Load;

/// <summary>
/// One connection's keys, drawn from a <see cref="KeyPattern"/>: the same ids in the same order for the same seed and
/// connection. No allocation and no shared state per draw; a Zipf draw costs a logarithm and an exponential.
/// </summary>
internal sealed class KeyStream
{
    private readonly KeyPattern _pattern;
    private readonly ZipfSampler? _zipf;
    private readonly int _connection;
    private SplitMix64 _random;
    private long _scanNext;
    private int _scanLeft;
    private long _scans;

    public KeyStream(KeyPattern pattern, int connection, ulong seed)
    {
        _pattern = pattern;
        _zipf = pattern.Zipf;
        _connection = connection;
        _random = new SplitMix64(seed);
    }

    /// <summary>The next key id: below the keyspace for the distribution's draws, above it for a scan's.</summary>
    public long Next()
    {
        if (_scanLeft == 0)
        {
            // No scans, no extra draw: the plain distributions cost what they did before scans existed.
            if (_pattern.ScanStart == 0 || _random.NextDouble() >= _pattern.ScanStart)
            {
                return _zipf is null ? _random.NextInt64(_pattern.KeyspaceSize) : _pattern.Permutation.Map(_zipf.Sample(ref _random) - 1);
            }

            var block = ((_scans++ * _pattern.Connections) + _connection) % _pattern.ScanBlocks;
            _scanNext = _pattern.KeyspaceSize + (block * _pattern.ScanLength);
            _scanLeft = _pattern.ScanLength;
        }

        _scanLeft--;
        return _scanNext++;
    }
}
