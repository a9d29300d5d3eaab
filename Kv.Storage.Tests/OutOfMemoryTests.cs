using Kv.Storage.Records;

namespace Kv.Storage.Tests;

/// <summary>A write that cannot get its memory leaves the store exactly as it was.</summary>
public class OutOfMemoryTests
{
    private const int MiB = 1024 * 1024;

    private static byte[] Filled(int size, byte fill) => Enumerable.Repeat(fill, size).ToArray();

    [Test]
    public void An_overwrite_that_cannot_get_memory_keeps_the_old_value()
    {
        // The finding: SET A (1 MiB), fill memory, overwrite A with 2 MiB. The old store freed A's record before
        // allocating the new one, so A pointed at freed memory after the failure.
        using var store = Stores.Create(memoryLimit: 8 * MiB);
        var original = Filled(MiB, 0xA1);
        store.Set("A"u8, original);
        var filler = 0;
        try
        {
            while (true)
            {
                store.Set(BitConverter.GetBytes(filler), Filled(MiB / 2, 0x55));
                filler++;
            }
        }
        catch (StoreOutOfMemoryException)
        {
        }

        var count = store.Count;
        var allocated = store.AllocatedBytes;
        var overwrite = () => store.Set("A"u8, Filled(2 * MiB, 0xB2));
        overwrite.Should().Throw<StoreOutOfMemoryException>().WithMessage("out of memory*limit*");
        store.Read("A"u8).Should().Equal(original);
        store.Count.Should().Be(count);
        store.AllocatedBytes.Should().BeLessThanOrEqualTo(allocated, "a refused write keeps no memory (the step of a resize it ran may free some)");

        // Memory freed, the same overwrite succeeds.
        for (var i = 0; i < filler; i++)
        {
            store.Remove(BitConverter.GetBytes(i)).Should().BeTrue();
        }

        overwrite();
        store.Read("A"u8).Should().Equal(Filled(2 * MiB, 0xB2));
    }

    [Test]
    public void A_new_key_that_cannot_get_a_page_is_not_added([Values(40, 20_000, 200_000)] int valueSize)
    {
        using var store = Stores.Create(memoryLimit: 2 * RecordPages.PageSize);
        var value = new byte[valueSize];
        var added = 0;
        try
        {
            for (; added < 100_000; added++)
            {
                store.Set(BitConverter.GetBytes(added), value);
            }
        }
        catch (StoreOutOfMemoryException)
        {
        }

        store.Count.Should().Be(added);
        store.Read(BitConverter.GetBytes(added)).Should().BeNull("the refused key was not added");
        for (var i = 0; i < added; i++)
        {
            store.Read(BitConverter.GetBytes(i)).Should().HaveCount(valueSize);
        }
    }

    [Test]
    public void A_new_key_whose_index_cannot_grow_is_not_added()
    {
        // Values of exactly one byte: a page holds thousands, so the index's growth is what runs out first.
        using var store = Stores.Create(memoryLimit: RecordPages.PageSize + 4096);
        var added = 0;
        try
        {
            for (; added < 100_000; added++)
            {
                store.Set(BitConverter.GetBytes(added), [1]);
            }
        }
        catch (StoreOutOfMemoryException)
        {
        }

        added.Should().BeLessThan(100_000);
        store.Count.Should().Be(added);
        for (var i = 0; i <= added; i++)
        {
            store.Read(BitConverter.GetBytes(i)).Should().Equal(i < added ? [1] : null);
        }

        // Overwrites in place need no memory and go on working.
        store.Set(BitConverter.GetBytes(0), [2]);
        store.Read(BitConverter.GetBytes(0)).Should().Equal([2]);
    }

    [Test]
    public void An_observer_is_not_told_of_a_refused_write()
    {
        using var store = Stores.Create(memoryLimit: 2 * RecordPages.PageSize);
        var observer = new RecordingObserver();
        store.Observe(observer);
        var write = () => store.Set("big"u8, new byte[2 * RecordPages.PageSize]);
        write.Should().Throw<StoreOutOfMemoryException>();
        observer.Sets.Should().Be(0);
        store.Set("small"u8, "v"u8);
        observer.Sets.Should().Be(1);
    }

    private sealed class RecordingObserver : IStoreWriteObserver
    {
        public int Sets { get; private set; }

        public void OnSet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt) => Sets++;

        public void OnExpiryChanged(ReadOnlySpan<byte> key, long expiresAt)
        {
        }

        public void OnRemoved(ReadOnlySpan<byte> key)
        {
        }
    }

    [Test]
    public void A_store_at_its_limit_refuses_writes_without_an_exception_or_an_allocation()
    {
        // A server at its limit refuses every write that needs more memory: each refusal must stay cheap.
        using var store = Stores.Create(memoryLimit: 4 * MiB);
        var value = new byte[1000];
        var key = new byte[8];
        var n = 0L;
        while (true)
        {
            BitConverter.TryWriteBytes(key, n++);
            if (!store.TrySet(key, value, out var needed))
            {
                needed.Should().BeGreaterThan(0);
                break;
            }
        }

        var count = store.Count;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var refused = 0;
        for (var i = 0; i < 10_000; i++)
        {
            BitConverter.TryWriteBytes(key, n++);
            if (!store.TrySet(key, value, out _))
            {
                refused++;
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        refused.Should().Be(10_000);
        allocated.Should().Be(0, "a refusal throws nothing and allocates nothing");
        store.Count.Should().Be(count);
    }
}

