using System.Text;

namespace Kv.Storage.Tests;

public class MemoryStoreTests
{
    [Test]
    public void Random_operations_agree_with_a_dictionary_model([Values(1, 4, 256)] int stripes)
    {
        using var store = Stores.Create(stripes);
        var model = new Dictionary<string, byte[]>();
        var random = new Random(stripes);
        for (var step = 0; step < 60_000; step++)
        {
            var key = $"key-{random.Next(2000)}";
            var keyBytes = Encoding.UTF8.GetBytes(key);
            switch (random.Next(4))
            {
                case 0:
                case 1:
                    // Mostly small values, sometimes one larger than a quarter page (a page of its own).
                    var value = new byte[random.Next(10) == 0 ? random.Next(16_000, 70_000) : random.Next(0, 64)];
                    random.NextBytes(value);
                    store.Set(keyBytes, value);
                    model[key] = value;
                    break;
                case 2:
                    var removed = new List<byte[]>();
                    store.Remove(keyBytes, Stores.Collect, removed).Should().Be(model.Remove(key, out var expected));
                    if (expected is not null)
                    {
                        removed.Single().Should().Equal(expected);
                    }

                    break;
                default:
                    var read = new List<byte[]>();
                    store.TryRead(keyBytes, Stores.Collect, read).Should().Be(model.TryGetValue(key, out var current));
                    if (current is not null)
                    {
                        read.Single().Should().Equal(current);
                    }

                    break;
            }
        }

        store.Count.Should().Be(model.Count);
        foreach (var (key, value) in model)
        {
            var read = new List<byte[]>();
            store.TryRead(Encoding.UTF8.GetBytes(key), Stores.Collect, read).Should().BeTrue();
            read.Single().Should().Equal(value);
        }
    }

    [Test]
    public void Compaction_reclaims_overwritten_values_and_keeps_the_live_ones()
    {
        using var store = Stores.Create(1);
        for (var i = 0; i < 1000; i++)
        {
            store.Set(Encoding.UTF8.GetBytes($"k{i}"), new byte[40]);
        }

        var baseline = store.AllocatedBytes;
        for (var round = 0; round < 50; round++)
        {
            for (var i = 0; i < 1000; i++)
            {
                // A different size each round, so no overwrite happens in place.
                store.Set(Encoding.UTF8.GetBytes($"k{i}"), Enumerable.Repeat((byte)round, 41 + round).ToArray());
            }
        }

        // 50 rounds of ~50 KB garbage each would be 2.5 MB without compaction.
        store.AllocatedBytes.Should().BeLessThan(baseline + (1024 * 1024));
        for (var i = 0; i < 1000; i++)
        {
            var read = new List<byte[]>();
            store.TryRead(Encoding.UTF8.GetBytes($"k{i}"), Stores.Collect, read).Should().BeTrue();
            read.Single().Should().Equal(Enumerable.Repeat((byte)49, 90));
        }
    }

    [Test]
    public void Removing_keys_shrinks_nothing_it_should_not_and_finds_every_survivor()
    {
        using var store = Stores.Create(2);
        for (var i = 0; i < 5000; i++)
        {
            store.Set(BitConverter.GetBytes(i), BitConverter.GetBytes(i * 3));
        }

        for (var i = 0; i < 5000; i += 3)
        {
            store.Remove(BitConverter.GetBytes(i)).Should().BeTrue();
        }

        for (var i = 0; i < 5000; i++)
        {
            var read = new List<byte[]>();
            store.TryRead(BitConverter.GetBytes(i), Stores.Collect, read).Should().Be(i % 3 != 0);
            if (i % 3 != 0)
            {
                BitConverter.ToInt32(read.Single()).Should().Be(i * 3);
            }
        }
    }

    [Test]
    public void A_value_of_many_megabytes_is_stored_whole()
    {
        using var store = new MemoryStore();
        var value = new byte[5 * 1024 * 1024];
        new Random(3).NextBytes(value);
        store.Set("huge"u8, value);
        var read = new List<byte[]>();
        store.TryRead("huge"u8, Stores.Collect, read).Should().BeTrue();
        read.Single().Should().Equal(value);
    }

    [Test]
    public async Task Concurrent_writers_and_readers_never_see_a_torn_value()
    {
        using var store = Stores.Create(4, background: true);
        var failures = 0;
        var tasks = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            var random = new Random(t);
            var read = new List<byte[]>();
            for (var i = 0; i < 50_000; i++)
            {
                var key = BitConverter.GetBytes(random.Next(100));
                if (random.Next(2) == 0)
                {
                    var fill = (byte)random.Next(256);
                    store.Set(key, Enumerable.Repeat(fill, random.Next(1, 100)).ToArray());
                }
                else
                {
                    read.Clear();
                    if (store.TryRead(key, Stores.Collect, read) && read[0].Distinct().Count() > 1)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }
        })).ToArray();

        await Task.WhenAll(tasks);
        failures.Should().Be(0);
    }

    [Test]
    public void Stripe_counts_that_are_not_powers_of_two_are_refused()
    {
        var create = () => new MemoryStore(new MemoryStoreOptions { StripeCount = 3 });
        create.Should().Throw<ArgumentOutOfRangeException>();
    }
}
