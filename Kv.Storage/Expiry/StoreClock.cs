using Kv.Storage.Records;

namespace Kv.Storage.Expiry;

/// <summary>
/// The store's two clocks. Expiry times in memory are milliseconds of a monotonic clock counted from the store's
/// creation, so no change of the wall clock (an NTP step, a manual change) can make a key live longer or die sooner
/// than its time to live, nor bring an expired key back. Times that cross the process's edge (an absolute expiry from
/// a client, a time written to the log) are Unix milliseconds of the wall clock, converted at that edge.
/// </summary>
internal sealed class StoreClock
{
    private readonly TimeProvider _time;
    private readonly long _start;
    private bool _suspended;

    public StoreClock(TimeProvider time)
    {
        _time = time;
        _start = time.GetTimestamp();
    }

    /// <summary>
    /// True while the store replays its log: expiry is not enforced then, since a later record may change a key's
    /// expiry (a PERSIST after a SET whose time has passed), as Redis does not expire keys while it loads its AOF. Keys
    /// whose time has passed are removed once the replay is over, by the first lookup or the active expiry.
    /// </summary>
    public bool Suspended
    {
        get => Volatile.Read(ref _suspended);
        set => Volatile.Write(ref _suspended, value);
    }

    /// <summary>Monotonic milliseconds since the store was created.</summary>
    public long Now => _time.GetElapsedTime(_start).Ticks / TimeSpan.TicksPerMillisecond;

    /// <summary>Wall-clock Unix milliseconds.</summary>
    public long UnixNow => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A monotonic expiry as Unix milliseconds (for the log), or 0 for <see cref="RecordFormat.NoExpiry"/>.</summary>
    public long ToUnix(long expiresAt) =>
        expiresAt == RecordFormat.NoExpiry ? 0 : Math.Max(1, SaturatingAdd(UnixNow, expiresAt - Now));

    /// <summary>Unix milliseconds as a monotonic expiry.</summary>
    public long FromUnix(long unixMilliseconds) => SaturatingAdd(Now, SaturatingAdd(unixMilliseconds, -UnixNow));

    /// <summary>An expiry <paramref name="milliseconds"/> from now.</summary>
    public long After(long milliseconds) => SaturatingAdd(Now, milliseconds);

    private static long SaturatingAdd(long a, long b)
    {
        var sum = a + b;
        if (((a ^ sum) & (b ^ sum)) < 0)
        {
            return b > 0 ? RecordFormat.NoExpiry - 1 : long.MinValue;
        }

        return sum == RecordFormat.NoExpiry ? sum - 1 : sum;
    }
}
