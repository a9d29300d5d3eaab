namespace Kv.Bench.Load;

/// <summary>
/// The keys a test draws, shared by all its connections so that they agree on which keys are hot: uniform or Zipf ids
/// over the keyspace, optionally mixed with one-off scans. Built once per test; each connection draws from its own
/// <see cref="KeyStream"/>, deterministic for a seed and a connection.
/// </summary>
/// <remarks>
/// Scans are the scan-resistance traces of the S3-FIFO (SOSP 2023) and SIEVE (NSDI 2024) papers: a run of
/// <see cref="ScanLength"/> consecutive keys that nothing ever asks for again. Their ids lie above the keyspace, so they
/// never collide with its keys, and each scan of each connection takes a block of its own (block = scan number x
/// connections + connection), so no two scans share a key whichever connection runs first.
/// </remarks>
internal sealed class KeyPattern
{
    public KeyPattern(long keyspace, KeyDistribution distribution, double zipfExponent, double scanFraction, int scanLength, int connections, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keyspace, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(keyspace, Keyspace.Ids - 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scanLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        if (!(scanFraction >= 0 && scanFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(scanFraction), scanFraction, "The scan fraction must be from 0 to 1.");
        }

        KeyspaceSize = keyspace;
        Zipf = distribution == KeyDistribution.Zipf ? new ZipfSampler(keyspace, zipfExponent) : null;
        Permutation = new KeyPermutation(keyspace, SplitMix64.Derive(seed, -1, 0));
        ScanFraction = scanFraction;
        ScanLength = scanLength;
        Connections = connections;
        Seed = seed;

        // A scan starts with probability p at each draw outside one and then takes ScanLength draws, so the share of
        // scan draws is pL / (pL + 1 - p); solved for the share F: p = F / (L (1 - F) + F).
        ScanStart = scanFraction == 0 ? 0 : scanFraction / ((scanLength * (1 - scanFraction)) + scanFraction);
        ScanBlocks = Math.Max(1, (Keyspace.Ids - keyspace) / scanLength);
    }

    /// <summary>The keyspace's ids are 0 to KeyspaceSize - 1.</summary>
    public long KeyspaceSize { get; }

    /// <summary>The Zipf ranks' sampler; null for uniform keys.</summary>
    public ZipfSampler? Zipf { get; }

    /// <summary>Rank - 1 to key id, the same for every connection of the run.</summary>
    public KeyPermutation Permutation { get; }

    public double ScanFraction { get; }

    public int ScanLength { get; }

    public int Connections { get; }

    public long Seed { get; }

    /// <summary>The chance that a draw outside a scan starts one.</summary>
    public double ScanStart { get; }

    /// <summary>
    /// Blocks of <see cref="ScanLength"/> ids above the keyspace that 12-digit keys can name; scans reuse them only after
    /// all are spent (10^12 keys).
    /// </summary>
    public long ScanBlocks { get; }

    public static KeyPattern For(BenchOptions options) =>
        new(options.Keyspace, options.Distribution, options.ZipfExponent, options.ScanFraction, options.ScanLength, options.Connections, options.Seed);

    /// <summary>The keys of one connection; <paramref name="salt"/> tells apart tests that should not replay one stream.</summary>
    public KeyStream Stream(int connection, int salt) => new(this, connection, SplitMix64.Derive(Seed, connection, salt));
}
