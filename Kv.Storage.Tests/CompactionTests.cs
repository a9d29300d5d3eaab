using System.Buffers.Binary;
using Kv.Storage.Records;

namespace Kv.Storage.Tests;

/// <summary>Mostly-dead pages are emptied a bounded step per operation, keeping every live record.</summary>
public class CompactionTests
{
    private static byte[] Key(int i) => BitConverter.GetBytes(i);

    private static byte[] Value(int i, int round) => Enumerable.Repeat((byte)(i + round), 20 + (round % 40)).ToArray();

    [Test]
    public void No_write_walks_more_than_its_bounded_step_and_garbage_stays_bounded()
    {
        using var store = Stores.Create();
        var stripe = store.Stripes[0];
        const int keys = 20_000;
        var expected = new byte[keys][];
        for (var i = 0; i < keys; i++)
        {
            store.Set(Key(i), expected[i] = Value(i, 0));
        }

        // Overwrites of random keys with values of other sizes: dead records scattered over every page.
        var random = new Random(5);
        long largest = 0;
        long mostGarbage = 0;
        for (var step = 0; step < 400_000; step++)
        {
            var i = random.Next(keys);
            var before = stripe.CompactionBytesWalked;
            store.Set(Key(i), expected[i] = Value(i, step));
            largest = Math.Max(largest, stripe.CompactionBytesWalked - before);
            mostGarbage = Math.Max(mostGarbage, stripe.GarbageBytes);
        }

        // The budget is max(512, twice the record written); a step may overrun it by the one record it ends on.
        largest.Should().BeGreaterThan(0, "the overwrites made compaction run").And.BeLessThanOrEqualTo(StoreStripe.MinimumCompactionStep + 100);
        mostGarbage.Should().BeLessThan(store.LiveBytes + (8 * RecordPages.PageSize), "compaction keeps up with the garbage that writes make");
        for (var i = 0; i < keys; i++)
        {
            store.Read(Key(i)).Should().Equal(expected[i]);
        }
    }

    [Test]
    public void Removing_every_key_returns_every_page()
    {
        using var store = Stores.Create(stripes: 4);
        var small = new byte[40];
        var large = new byte[100_000];
        for (var i = 0; i < 20_000; i++)
        {
            store.Set(Key(i), i % 1000 == 0 ? large : small);
        }

        store.AllocatedBytes.Should().BeGreaterThan(20_000L * 40);
        for (var i = 0; i < 20_000; i++)
        {
            store.Remove(Key(i)).Should().BeTrue();
        }

        store.MaintainUntilIdle();
        store.Stripes.Sum(s => s.PagesInUse).Should().Be(0);
        store.AllocatedBytes.Should().BeLessThanOrEqualTo(4L * 16 * sizeof(ulong), "what is left is four empty 16-slot indexes");
    }

    [Test]
    public void Compaction_moves_live_records_out_of_mostly_dead_pages()
    {
        using var store = Stores.Create();
        var stripe = store.Stripes[0];
        var value = new byte[50];
        const int keys = 100_000;
        for (var i = 0; i < keys; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(value, i);
            store.Set(Key(i), value);
        }

        var pagesFull = stripe.PagesInUse;

        // Remove three keys in four: every page is now about a quarter live, and none is empty.
        for (var i = 0; i < keys; i++)
        {
            if (i % 4 != 0)
            {
                store.Remove(Key(i));
            }
        }

        store.MaintainUntilIdle();
        stripe.PagesInUse.Should().BeLessThan(pagesFull / 2);
        for (var i = 0; i < keys; i++)
        {
            var read = store.Read(Key(i));
            if (i % 4 == 0)
            {
                BinaryPrimitives.ReadInt32LittleEndian(read).Should().Be(i);
            }
            else
            {
                read.Should().BeNull();
            }
        }
    }
}
