namespace Kv.Server.Diagnostics;

/// <summary>
/// Lets a condition that repeats (refusals in a flood, accepts failing while descriptors are exhausted) be logged once
/// per interval, with how many times it happened in between, instead of once per occurrence. Thread-safe.
/// </summary>
internal sealed class LogInterval(TimeSpan interval)
{
    private readonly long _intervalMilliseconds = (long)interval.TotalMilliseconds;
    private long _next;
    private long _suppressed;

    /// <summary>The interval in whole seconds, for the log line.</summary>
    public int Seconds => (int)(_intervalMilliseconds / 1000);

    /// <summary>True when this occurrence is to be logged; <paramref name="suppressed"/> is how many were not since.</summary>
    public bool TryLog(out long suppressed)
    {
        var now = Environment.TickCount64;
        var next = Volatile.Read(ref _next);
        if (now >= next && Interlocked.CompareExchange(ref _next, now + _intervalMilliseconds, next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }
}
