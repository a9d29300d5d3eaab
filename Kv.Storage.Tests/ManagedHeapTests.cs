namespace Kv.Storage.Tests;

/// <summary>
/// The garbage collector sees almost nothing of the data and is never asked to collect: the former store kept its
/// pages on the managed heap and forced full blocking collections to give them back.
/// </summary>
public class ManagedHeapTests
{
    [Test]
    public void Loading_and_emptying_a_store_allocates_almost_nothing_managed_and_forces_no_collection()
    {
        using var store = new MemoryStore(new MemoryStoreOptions { BackgroundMaintenance = false });
        var key = new byte[16];
        var value = new byte[32];
        var large = new byte[100_000];

        // Warm up whatever the first calls allocate once (code, the pool's bookkeeping), then measure.
        Fill(store, key, value, large, 1000);
        Empty(store, key, 1000);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var fullCollections = GC.CollectionCount(2);

        Fill(store, key, value, large, 200_000);
        Empty(store, key, 200_000);

        var perKey = (GC.GetAllocatedBytesForCurrentThread() - allocated) / 200_000.0;
        perKey.Should().BeLessThan(1, "records and indexes live in native memory (the page table and free lists grow now and then)");
        GC.CollectionCount(2).Should().Be(fullCollections, "nothing asks for a collection, and nothing managed grows enough to need one");
        store.AllocatedBytes.Should().BeLessThan(64 * 1024 * 2, "emptied, the store holds its empty indexes");
    }

    private static void Fill(MemoryStore store, byte[] key, byte[] value, byte[] large, int count)
    {
        for (var i = 0; i < count; i++)
        {
            BitConverter.TryWriteBytes(key, i);
            store.Set(key, i % 10_000 == 0 ? large : value);
        }
    }

    private static void Empty(MemoryStore store, byte[] key, int count)
    {
        for (var i = 0; i < count; i++)
        {
            BitConverter.TryWriteBytes(key, i);
            store.Remove(key);
        }

        while (store.Maintain())
        {
        }
    }
}
