namespace Kv.Testing.Time;

/// <summary>
/// A clock that moves only when told: its monotonic timestamp and its wall-clock time advance together
/// (<see cref="Advance"/>), or the wall clock alone jumps (<see cref="JumpWallClock"/>), as an NTP step or an operator
/// would make it.
/// </summary>
public sealed class ManualClock : TimeProvider
{
    private long _ticks;
    private DateTimeOffset _utc;

    /// <summary>Starts at <paramref name="start"/> (default 2026-01-01T00:00:00Z).</summary>
    public ManualClock(DateTimeOffset? start = null) => _utc = start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>The wall-clock time in Unix milliseconds.</summary>
    public long UnixMilliseconds => GetUtcNow().ToUnixTimeMilliseconds();

    /// <inheritdoc />
    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (this)
        {
            return _utc;
        }
    }

    /// <summary>Moves both clocks forward.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        lock (this)
        {
            _utc += by;
            Interlocked.Add(ref _ticks, by.Ticks);
        }
    }

    /// <summary>Moves both clocks forward by whole milliseconds.</summary>
    public void Advance(long milliseconds) => Advance(TimeSpan.FromMilliseconds(milliseconds));

    /// <summary>Moves the wall clock alone, forward or back.</summary>
    public void JumpWallClock(TimeSpan by)
    {
        lock (this)
        {
            _utc += by;
        }
    }
}
