namespace Kv.Bench.Load;

/// <summary>What all of a test's connections share: the phase, the requests left to claim, the next sequential key.</summary>
internal sealed class RunState(long? requests, int keyspace)
{
    private long _remaining = requests ?? long.MaxValue;
    private long _nextKey = -1;
    private volatile RunPhase _phase = RunPhase.Warmup;

    public RunPhase Phase
    {
        get => _phase;
        set => _phase = value;
    }

    public bool Counted { get; } = requests.HasValue;

    /// <summary>When measuring began (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>); set before the phase changes.</summary>
    public long MeasureStart { get; set; }

    /// <summary>Claims up to <paramref name="wanted"/> of the remaining requests; 0 when none are left.</summary>
    public int Claim(int wanted)
    {
        var left = Interlocked.Add(ref _remaining, -wanted);
        return (int)Math.Clamp(left + wanted, 0, wanted);
    }

    public long NextSequentialKey() => Interlocked.Increment(ref _nextKey) % keyspace;
}

internal enum RunPhase
{
    Warmup,
    Measuring,
    Stopped,
}
