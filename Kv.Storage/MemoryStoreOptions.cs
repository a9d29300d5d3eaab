namespace Kv.Storage;

/// <summary>How a <see cref="MemoryStore"/> is built. Every default is what Kv.Server uses.</summary>
public sealed record MemoryStoreOptions
{
    /// <summary>
    /// The default number of stripes: enough that lock collisions are rare with a few event threads, few enough that the
    /// partly filled current page of each stripe costs little.
    /// </summary>
    public const int DefaultStripeCount = 64;

    /// <summary>The options Kv.Server uses.</summary>
    public static MemoryStoreOptions Default { get; } = new();

    /// <summary>How many independently locked stripes; a power of two from 1 to 65,536. Default 64.</summary>
    public int StripeCount { get; init; } = DefaultStripeCount;

    /// <summary>
    /// The most bytes of native memory the store may hold (records, pages, indexes); a write that would need more is
    /// refused with <see cref="StoreOutOfMemoryException"/>. Default 0: no limit but the system's.
    /// </summary>
    public long MemoryLimit { get; init; }

    /// <summary>
    /// What a write that would pass <see cref="MemoryLimit"/> does: refused (<see cref="EvictionPolicy.NoEviction"/>, the
    /// default) or makes room by evicting keys.
    /// </summary>
    public EvictionPolicy Eviction { get; init; } = EvictionPolicy.NoEviction;

    /// <summary>
    /// The clocks expiry reads: its monotonic timestamp for times to live, its UTC time for absolute expiries and the
    /// log. Default <see cref="TimeProvider.System"/>; tests give a fake one.
    /// </summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Whether a timer finishes, in small locked steps, the resizes and compactions that writes started, in stripes no
    /// longer written to (as Redis's cron does). Default true; with false they advance only with writes to the stripe.
    /// </summary>
    public bool BackgroundMaintenance { get; init; } = true;

    /// <summary>
    /// How often the background maintenance runs (resizes, compaction, and the active expiry, which takes at most a
    /// quarter of each interval). Default 100 ms.
    /// </summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Index slots each write moves during a resize. Tests set 1, so that resizes last long enough to be caught in the
    /// middle (and a table can fill before its resize ends, which is correct, only slower).
    /// </summary>
    internal int ResizeStep { get; init; } = Index.StripeIndex.DefaultWriteStep;

    internal void Validate()
    {
        if (StripeCount < 1 || StripeCount > 65536 || !System.Numerics.BitOperations.IsPow2(StripeCount))
        {
            throw new ArgumentOutOfRangeException(nameof(StripeCount), StripeCount, "The stripe count must be a power of two from 1 to 65,536.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MemoryLimit);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (!Enum.IsDefined(Eviction))
        {
            throw new ArgumentOutOfRangeException(nameof(Eviction), Eviction, "Unknown eviction policy.");
        }

        if (MaintenanceInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaintenanceInterval), MaintenanceInterval, "The maintenance interval must be positive.");
        }
    }
}
