namespace Kv.Bench.Load;

/// <summary>
/// What all of a test's connections share: the phase, the requests left to claim, the warm-up requests left to send, the
/// next sequential key.
/// </summary>
internal sealed class RunState(long? requests, int keyspace, long warmupRequests = 0)
{
    private readonly TaskCompletionSource _warmedUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _remaining = requests ?? long.MaxValue;
    private long _warmupLeft = warmupRequests;
    private long _nextKey = -1;
    private volatile RunPhase _phase = RunPhase.Warmup;

    public RunPhase Phase
    {
        get => _phase;
        set => _phase = value;
    }

    public bool Counted { get; } = requests.HasValue;

    /// <summary>True when the warm-up is a number of requests rather than a time.</summary>
    public bool WarmupCounted { get; } = warmupRequests > 0;

    /// <summary>Completes once the warm-up's requests have all been sent (<see cref="CountWarmup"/>).</summary>
    public Task WarmedUp => _warmedUp.Task;

    /// <summary>When measuring began (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>); set before the phase changes.</summary>
    public long MeasureStart { get; set; }

    /// <summary>Claims up to <paramref name="wanted"/> of the remaining requests; 0 when none are left.</summary>
    public int Claim(int wanted)
    {
        var left = Interlocked.Add(ref _remaining, -wanted);
        return (int)Math.Clamp(left + wanted, 0, wanted);
    }

    /// <summary>Counts requests sent during a counted warm-up; the one that reaches its total completes <see cref="WarmedUp"/>.</summary>
    public void CountWarmup(int sent)
    {
        // Only the batch that crosses zero completes it; later batches of the warm-up's last moments see a negative count.
        var left = Interlocked.Add(ref _warmupLeft, -sent);
        if (left <= 0 && left + sent > 0)
        {
            _warmedUp.TrySetResult();
        }
    }

    public long NextSequentialKey() => Interlocked.Increment(ref _nextKey) % keyspace;
}

internal enum RunPhase
{
    Warmup,
    Measuring,
    Stopped,
}
