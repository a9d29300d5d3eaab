using System.Text;
using Kv.Testing.Time;

namespace Kv.Storage.Tests.Eviction;

public class EvictionTests
{
    private const long Limit = 8 * 1024 * 1024;

    [TestCase(EvictionPolicy.S3Fifo)]
    [TestCase(EvictionPolicy.AllKeysLru)]
    [TestCase(EvictionPolicy.AllKeysRandom)]
    public void Writes_past_the_limit_are_applied_and_the_limit_holds(EvictionPolicy policy)
    {
        using var store = Stores.Create(stripes: 4, memoryLimit: Limit, eviction: policy);
        var value = new byte[100];
        for (var i = 0; i < 300_000; i++)
        {
            var key = Encoding.UTF8.GetBytes($"key:{i:D10}");
            store.Set<object?>(key, value, SetCondition.Always, KeyExpiry.Never, null, null).Status.Should().Be(SetStatus.Applied);
            store.AllocatedBytes.Should().BeLessThanOrEqualTo(Limit);
            if (i % 7 == 0)
            {
                store.Read(Encoding.UTF8.GetBytes($"key:{i / 2:D10}"));
            }
        }

        store.EvictedKeys.Should().BeGreaterThan(200_000);
        store.Count.Should().BeGreaterThan((int)(0.6 * Limit / (16 + 100 + 2 + 8)), "eviction leaves the memory full of records, not of half-empty pages");
        store.Read("key:0000299999"u8).Should().NotBeNull("the newest key was just written");
    }

    [TestCase(EvictionPolicy.S3Fifo)]
    [TestCase(EvictionPolicy.AllKeysLru)]
    public void A_store_of_keys_all_in_use_still_evicts_rather_than_refuse(EvictionPolicy policy)
    {
        // Every key is read three times after its write, so every page eviction meets is all hot: a CLOCK-like queue
        // can go round freeing nothing, and a write's last attempts must drop keys anyway, as Redis's allkeys policies
        // never refuse a write.
        using var store = Stores.Create(stripes: 2, memoryLimit: Limit, eviction: policy);
        var value = new byte[100];
        ValueReader<int> ignore = static (_, _) => { };
        for (var i = 0; i < 200_000; i++)
        {
            var key = Encoding.UTF8.GetBytes($"key:{i:D10}");
            store.Set<object?>(key, value, SetCondition.Always, KeyExpiry.Never, null, null).Status.Should().Be(SetStatus.Applied, "write {0}", i);
            for (var r = 0; r < 3; r++)
            {
                store.TryRead(key, ignore, 0);
            }
        }

        store.EvictedKeys.Should().BeGreaterThan(100_000);
    }

    [Test]
    public void Expiry_changes_are_not_refused_at_the_limit_under_noeviction()
    {
        // Redis does not refuse EXPIRE, PERSIST or GETEX for memory: a key gaining its 8-byte expiry may take the store
        // past its limit by a page; the next write that needs memory is refused instead.
        using var store = Stores.Create(stripes: 1, memoryLimit: Limit, time: new ManualClock());
        var value = new byte[100];
        var written = 0;
        while (store.Set<object?>(Encoding.UTF8.GetBytes($"key:{written:D10}"), value, SetCondition.Always, written % 2 == 0 ? KeyExpiry.After(3_600_000) : KeyExpiry.Never, null, null).Status == SetStatus.Applied)
        {
            written++;
        }

        for (var i = 0; i < 2000; i++)
        {
            var key = Encoding.UTF8.GetBytes($"key:{i:D10}");
            (i % 2 == 0 ? store.Persist(key) : store.Expire(key, KeyExpiry.After(60_000))).Should().Be(ExpireStatus.Applied, "key {0}", i);
        }

        store.AllocatedBytes.Should().BeLessThanOrEqualTo(Limit + 2 * 64 * 1024);
        store.Set<object?>("one more"u8, value, SetCondition.Always, KeyExpiry.Never, null, null).Status.Should().Be(SetStatus.OutOfMemory);
    }

    [Test]
    public void S3fifo_keeps_the_keys_in_use_through_a_scan_of_one_off_keys()
    {
        using var store = Stores.Create(stripes: 4, memoryLimit: Limit, eviction: EvictionPolicy.S3Fifo);
        var value = new byte[100];
        var hot = Enumerable.Range(0, 5000).Select(i => Encoding.UTF8.GetBytes($"hot:{i}")).ToArray();
        foreach (var key in hot)
        {
            store.Set(key, value);
        }

        long hits = 0;
        long reads = 0;
        for (var i = 0; i < 400_000; i++)
        {
            store.Set(Encoding.UTF8.GetBytes($"scan:{i}"), value);
            if (i % 4 == 0)
            {
                var key = hot[(i / 4) % hot.Length];
                reads++;
                if (store.Read(key) is not null)
                {
                    hits++;
                }
                else
                {
                    store.Set(key, value);
                }
            }
        }

        // 5,000 hot keys take ~0.6 MiB of the 8: each is read once every 20,000 writes, while the scan alone fills the
        // memory every ~60,000. FIFO would lose every hot key the scan passes; S3-FIFO promotes them out of its way.
        ((double)hits / reads).Should().BeGreaterThan(0.95);
    }

    [TestCase(EvictionPolicy.VolatileLru)]
    [TestCase(EvictionPolicy.VolatileRandom)]
    [TestCase(EvictionPolicy.VolatileTtl)]
    public void Volatile_policies_evict_only_keys_with_an_expiry_and_refuse_once_none_is_left(EvictionPolicy policy)
    {
        using var store = Stores.Create(stripes: 2, memoryLimit: Limit, eviction: policy, time: new ManualClock());
        var value = new byte[100];
        var permanent = 0;
        SetStatus status;
        var i = 0;
        do
        {
            var key = Encoding.UTF8.GetBytes($"key:{i:D10}");
            var expiring = i % 2 == 0;
            status = store.Set<object?>(key, value, SetCondition.Always, expiring ? KeyExpiry.After(3_600_000) : KeyExpiry.Never, null, null).Status;
            permanent += !expiring && status == SetStatus.Applied ? 1 : 0;
            store.AllocatedBytes.Should().BeLessThanOrEqualTo(Limit);
        }
        while (status == SetStatus.Applied && ++i < 1_000_000);

        status.Should().Be(SetStatus.OutOfMemory, "once keys without an expiry fill the memory there is nothing the policy may evict");
        store.EvictedKeys.Should().BeGreaterThan(0);
        Enumerable.Range(0, i).Where(n => n % 2 == 1)
            .Should().OnlyContain(n => store.Read(Encoding.UTF8.GetBytes($"key:{n:D10}")) != null, "a key without an expiry is never evicted");
        permanent.Should().Be(i / 2);
    }

    [Test]
    public void Evicted_keys_are_told_to_the_observer_as_removals()
    {
        using var store = Stores.Create(stripes: 2, memoryLimit: Limit, eviction: EvictionPolicy.S3Fifo);
        var observer = new CountingObserver();
        store.Observe(observer);
        var value = new byte[100];
        for (var i = 0; i < 150_000; i++)
        {
            store.Set(Encoding.UTF8.GetBytes($"key:{i}"), value);
        }

        store.EvictedKeys.Should().BeGreaterThan(0);
        observer.Removed.Should().Be(store.EvictedKeys);
        observer.Sets.Should().Be(150_000);
    }

    [Test]
    public async Task Concurrent_writers_under_eviction_keep_the_limit()
    {
        using var store = Stores.Create(stripes: 8, memoryLimit: Limit, eviction: EvictionPolicy.S3Fifo);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var refused = 0;
        var over = 0L;
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            var value = new byte[200];
            while (!stop.IsCancellationRequested)
            {
                var key = Encoding.UTF8.GetBytes($"k{random.Next(1_000_000)}");
                if (random.Next(3) == 0)
                {
                    store.Read(key);
                }
                else if (store.Set<object?>(key, value.AsSpan(0, random.Next(200)), SetCondition.Always, KeyExpiry.Never, null, null).Status != SetStatus.Applied)
                {
                    Interlocked.Increment(ref refused);
                }

                var allocated = store.AllocatedBytes;
                if (allocated > Limit)
                {
                    Interlocked.Exchange(ref over, allocated);
                }
            }
        }));
        await Task.WhenAll(writers);
        refused.Should().Be(0);
        over.Should().Be(0);
        store.EvictedKeys.Should().BeGreaterThan(0);
    }

    [Test]
    public void Writes_under_eviction_and_expiry_allocate_nothing()
    {
        var clock = new ManualClock();
        using var store = Stores.Create(stripes: 4, memoryLimit: Limit, eviction: EvictionPolicy.S3Fifo, time: clock);
        var value = new byte[100];
        var keys = Enumerable.Range(0, 200_000).Select(i => Encoding.UTF8.GetBytes($"key:{i:D10}")).ToArray();
        ValueReader<int> ignore = static (_, _) => { };
        for (var round = 0; round < 8; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var key in keys)
            {
                store.Set<int>(key, value, SetCondition.Always, KeyExpiry.After(50), ignore, 0);
                store.TryRead(key, ignore, 0);
                store.TimeToLive(key);
            }

            clock.Advance(100);
            while (store.ExpiringCount > 0)
            {
                store.RemoveExpired();
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (round >= 4)
            {
                // The first rounds grow the stripes' page tables to their working size (amortized, not per request).
                allocated.Should().Be(0, "round {0} should not allocate", round);
            }
        }

        store.EvictedKeys.Should().BeGreaterThan(0);
    }

    private sealed class CountingObserver : IStoreWriteObserver
    {
        public long Sets { get; private set; }

        public long Removed { get; private set; }

        public void OnSet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt) => Sets++;

        public void OnExpiryChanged(ReadOnlySpan<byte> key, long expiresAt)
        {
        }

        public void OnRemoved(ReadOnlySpan<byte> key) => Removed++;
    }
}
