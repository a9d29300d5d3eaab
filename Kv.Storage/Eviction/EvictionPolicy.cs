namespace Kv.Storage;

/// <summary>
/// What the store does when a write needs memory past <see cref="MemoryStoreOptions.MemoryLimit"/>. The names follow
/// Redis's <c>maxmemory-policy</c>; docs/architecture.md says how each works on the store's pages and why S3-FIFO is
/// the evicting default.
/// </summary>
public enum EvictionPolicy : byte
{
    /// <summary>Refuse the write; reads, removals and expiry go on (Redis's default, and Kv's).</summary>
    NoEviction = 0,

    /// <summary>
    /// S3-FIFO (Yang et al., SOSP 2023): new keys enter a small FIFO queue and leave it at once unless used again; keys
    /// that were go to a main FIFO queue with reinsertion. Scan-resistant, and better than LRU on real cache traces.
    /// </summary>
    S3Fifo = 1,

    /// <summary>An approximation of LRU over all keys: CLOCK (second chance) over the store's pages.</summary>
    AllKeysLru = 2,

    /// <summary>As <see cref="AllKeysLru"/>, over the keys that have an expiry; the others are never evicted.</summary>
    VolatileLru = 3,

    /// <summary>Keys picked at random (a random page's keys at a time).</summary>
    AllKeysRandom = 4,

    /// <summary>As <see cref="AllKeysRandom"/>, over the keys that have an expiry.</summary>
    VolatileRandom = 5,

    /// <summary>Keys with an expiry, soonest first (approximated by sampling pages).</summary>
    VolatileTtl = 6,
}
