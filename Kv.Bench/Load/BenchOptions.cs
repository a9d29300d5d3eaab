using Kv.Bench.Wire;

namespace Kv.Bench.Load;

/// <summary>What to run: the same knobs as redis-benchmark where they exist.</summary>
internal sealed record BenchOptions
{
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 6555;

    public int Connections { get; init; } = 50;

    /// <summary>Requests per test; ignored when <see cref="Duration"/> is set.</summary>
    public long Requests { get; init; } = 100_000;

    public TimeSpan? Duration { get; init; }

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// When above 0, the warm-up ends after this many requests (the cache test: GETs) instead of after
    /// <see cref="Warmup"/>: the same point of the trace for every server, however fast each is.
    /// </summary>
    public long WarmupRequests { get; init; }

    /// <summary>Requests in flight per connection: each connection sends this many, then reads as many responses.</summary>
    public int Pipeline { get; init; } = 1;

    public int ValueSize { get; init; } = 32;

    /// <summary>Added to every key id: a second run over fresh keys that do not meet the first run's.</summary>
    public long KeyOffset { get; init; }

    public int Keyspace { get; init; } = 100_000;

    /// <summary>Keys in order 0, 1, 2, ... (each once, across all connections) instead of at random.</summary>
    public bool SequentialKeys { get; init; }

    public KeyDistribution Distribution { get; init; } = KeyDistribution.Uniform;

    /// <summary>The Zipf exponent s, for <see cref="KeyDistribution.Zipf"/>.</summary>
    public double ZipfExponent { get; init; } = 0.99;

    /// <summary>The share of keys that come from one-off scans over keys outside the keyspace (0 to 1).</summary>
    public double ScanFraction { get; init; }

    /// <summary>Keys in each scan.</summary>
    public int ScanLength { get; init; } = 1000;

    /// <summary>Seed of the key streams: the same seed, connections and options replay the same keys.</summary>
    public long Seed { get; init; }

    public IReadOnlyList<Operation> Tests { get; init; } = [Operation.Set, Operation.Get];

    public bool Verify { get; init; }

    public IWireProtocol Protocol { get; init; } = new KvWireProtocol(Kv.Protocol.ProtocolVersion.V1);

    /// <summary>Load threads, each an event loop over its share of the connections.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The user of the AUTH that opens each connection; null for the server's default user.</summary>
    public string? User { get; init; }

    /// <summary>The password of the AUTH that opens each connection; null: no AUTH.</summary>
    public string? Password { get; init; }

    /// <summary>TLS for every connection (<c>--tls</c>), or null for plain TCP.</summary>
    public BenchTls? Tls { get; init; }

    /// <summary>A server process whose CPU time is read from /proc around each test.</summary>
    public int? ServerPid { get; init; }
}
