using System.Buffers.Binary;
using Kv.Storage.Index;

namespace Kv.Storage.Tests.Index;

/// <summary>The index grows and shrinks a bounded step per operation, and answers every key at every step.</summary>
public class IncrementalResizeTests
{
    private static byte[] Key(int i)
    {
        var key = new byte[12];
        BinaryPrimitives.WriteInt32LittleEndian(key, i);
        BinaryPrimitives.WriteInt32LittleEndian(key.AsSpan(4), i * 7);
        return key;
    }

    private static byte[] Value(int i) => BitConverter.GetBytes((long)i * 31);

    [Test]
    public void A_growing_store_answers_every_key_at_every_step()
    {
        using var store = Stores.Create();
        var stripe = store.Stripes[0];
        var checksWhileMigrating = 0;
        for (var n = 0; n < 3000; n++)
        {
            store.Set(Key(n), Value(n));
            if (stripe.IsMigrating)
            {
                checksWhileMigrating++;
            }

            for (var i = 0; i <= n; i++)
            {
                store.Read(Key(i)).Should().Equal(Value(i), "key {0} after {1} inserts", i, n + 1);
            }

            store.Read(Key(n + 1)).Should().BeNull();
        }

        checksWhileMigrating.Should().BeGreaterThan(100, "the test must see the index in the middle of resizes");
        stripe.IndexLength.Should().BeGreaterThan(3000);
    }

    [Test]
    public void A_shrinking_store_answers_every_key_at_every_step_and_gives_its_index_back()
    {
        using var store = Stores.Create();
        var stripe = store.Stripes[0];
        const int keys = 3000;
        for (var i = 0; i < keys; i++)
        {
            store.Set(Key(i), Value(i));
        }

        store.MaintainUntilIdle();
        var grown = stripe.IndexLength;
        var checksWhileMigrating = 0;
        for (var n = 0; n < keys; n++)
        {
            store.Remove(Key(n)).Should().BeTrue();
            if (stripe.IsMigrating)
            {
                checksWhileMigrating++;
            }

            if (n % 7 == 0 || n > keys - 100)
            {
                for (var i = 0; i < keys; i++)
                {
                    store.Read(Key(i)).Should().Equal(i <= n ? null : Value(i), "key {0} after {1} removals", i, n + 1);
                }
            }
        }

        checksWhileMigrating.Should().BeGreaterThan(10);
        store.MaintainUntilIdle();
        stripe.IndexLength.Should().Be(StripeIndex.InitialLength).And.BeLessThan(grown);
        store.Count.Should().Be(0);
    }

    [Test]
    public void No_write_moves_more_than_its_step_of_a_resize_whatever_the_size()
    {
        using var store = Stores.Create();
        var stripe = store.Stripes[0];
        long largest = 0;
        var resizes = 0;
        for (var i = 0; i < 200_000; i++)
        {
            var before = stripe.SlotsMigrated;
            var wasMigrating = stripe.IsMigrating;
            store.Set(Key(i), Value(i));
            largest = Math.Max(largest, stripe.SlotsMigrated - before);
            if (!wasMigrating && stripe.IsMigrating)
            {
                resizes++;
            }
        }

        resizes.Should().BeGreaterThan(15, "the index grew from 16 slots past 250,000");
        largest.Should().Be(StripeIndex.DefaultWriteStep, "a write moves one bounded step of a resize, never the whole table");
    }

    [Test]
    public void The_background_maintenance_finishes_a_resize_that_operations_left()
    {
        using var store = Stores.Create(background: true);
        var stripe = store.Stripes[0];
        var n = 0;
        while (!stripe.IsMigrating || stripe.IndexLength < 10_000)
        {
            store.Set(Key(n), Value(n));
            n++;
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (stripe.IsMigrating && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        stripe.IsMigrating.Should().BeFalse("the maintenance timer finishes a resize on an idle store");
        for (var i = 0; i < n; i++)
        {
            store.Read(Key(i)).Should().Equal(Value(i));
        }
    }
}
