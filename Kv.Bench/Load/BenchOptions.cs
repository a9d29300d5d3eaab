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

    /// <summary>Requests in flight per connection: each connection sends this many, then reads as many responses.</summary>
    public int Pipeline { get; init; } = 1;

    public int ValueSize { get; init; } = 32;

    public int Keyspace { get; init; } = 100_000;

    /// <summary>Keys in order 0, 1, 2, ... (each once, across all connections) instead of at random.</summary>
    public bool SequentialKeys { get; init; }

    public IReadOnlyList<Operation> Tests { get; init; } = [Operation.Set, Operation.Get];

    public bool Verify { get; init; }

    public IWireProtocol Protocol { get; init; } = new KvWireProtocol(Kv.Protocol.ProtocolVersion.V1);

    /// <summary>Load threads, each an event loop over its share of the connections.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>A server process whose CPU time is read from /proc around each test.</summary>
    public int? ServerPid { get; init; }
}
