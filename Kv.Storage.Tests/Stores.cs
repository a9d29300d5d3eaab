using Kv.Storage.Hashing;

namespace Kv.Storage.Tests;

/// <summary>Stores for tests, and ways to read them.</summary>
internal static class Stores
{
    public static readonly ValueReader<List<byte[]>> Collect = static (value, list) => list.Add(value.ToArray());

    /// <summary>
    /// A store whose resizes and compactions advance only with its operations (and <see cref="MemoryStore.Maintain"/>),
    /// so that a test sees every step; dispose it.
    /// </summary>
    public static MemoryStore Create(
        int stripes = 1, long memoryLimit = 0, bool background = false, KeyHasher? hasher = null, int resizeStep = Kv.Storage.Index.StripeIndex.DefaultWriteStep,
        TimeProvider? time = null, EvictionPolicy eviction = EvictionPolicy.NoEviction) =>
        new(new MemoryStoreOptions
        {
            StripeCount = stripes, MemoryLimit = memoryLimit, BackgroundMaintenance = background, ResizeStep = resizeStep,
            TimeProvider = time ?? TimeProvider.System, Eviction = eviction,
        }, hasher ?? new KeyHasher());

    /// <summary>The key's value, or null when it is missing.</summary>
    public static byte[]? Read(this MemoryStore store, ReadOnlySpan<byte> key)
    {
        var read = new List<byte[]>();
        return store.TryRead(key, Collect, read) ? read.Single() : null;
    }

    /// <summary>Runs the background maintenance's steps until no resize or compaction is left.</summary>
    public static void MaintainUntilIdle(this MemoryStore store)
    {
        while (store.Maintain())
        {
        }
    }
}
