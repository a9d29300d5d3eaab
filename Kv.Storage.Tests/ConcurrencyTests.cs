using System.Buffers.Binary;

namespace Kv.Storage.Tests;

/// <summary>
/// Readers, writers and removers on a few stripes at once, while resizes (one slot per write), compaction and the
/// background maintenance run. Each worker owns its own keys (all stripes are shared), so it knows exactly what each
/// of them must hold: every read must find exactly the last value written whole, or nothing after a removal. A read of a
/// freed page would find zeros (its memory was given back) or another record's bytes, and fail the check.
/// </summary>
public class ConcurrencyTests
{
    private const int KeysPerWorker = 5000;
    private const int Workers = 4;

    [Test]
    public async Task Readers_never_see_freed_lost_or_torn_records_while_pages_are_compacted_and_indexes_resized()
    {
        using var store = new MemoryStore(new MemoryStoreOptions
        {
            StripeCount = 2,
            ResizeStep = 1,
            MaintenanceInterval = TimeSpan.FromMilliseconds(1),
        });
        var failures = 0;
        var reads = 0L;
        var deadline = DateTime.UtcNow.AddSeconds(3);
        var workers = Enumerable.Range(0, Workers).Select(worker => Task.Run(() =>
        {
            var random = new Random(worker);
            var expected = new byte[]?[KeysPerWorker];
            var key = new byte[4];
            var check = new ValueReader<byte[]>((value, wanted) =>
            {
                if (!value.SequenceEqual(wanted))
                {
                    Interlocked.Increment(ref failures);
                }
            });
            while (DateTime.UtcNow < deadline)
            {
                for (var i = 0; i < 1000; i++)
                {
                    var slot = random.Next(KeysPerWorker);
                    var id = (slot * Workers) + worker;
                    BinaryPrimitives.WriteInt32LittleEndian(key, id);
                    switch (random.Next(10))
                    {
                        case < 4:
                            // Sizes from a few bytes to past a page: small records, records of their own, regions.
                            var size = random.Next(500) == 0 ? random.Next(20_000, 100_000) : random.Next(16, 200);
                            store.Set(key, expected[slot] = MakeValue(id, random.Next(), size));
                            break;
                        case 4:
                            if (store.Remove(key) != (expected[slot] is not null))
                            {
                                Interlocked.Increment(ref failures);
                            }

                            expected[slot] = null;
                            break;
                        default:
                            var found = expected[slot] is { } wanted ? store.TryRead(key, check, wanted) : store.TryRead(key, check, []);
                            if (found != (expected[slot] is not null))
                            {
                                Interlocked.Increment(ref failures);
                            }

                            Interlocked.Increment(ref reads);
                            break;
                    }
                }
            }
        })).ToArray();

        await Task.WhenAll(workers);
        failures.Should().Be(0);
        reads.Should().BeGreaterThan(10_000);
        store.Stripes.Sum(s => s.CompactionBytesWalked).Should().BeGreaterThan(0, "compaction ran during the test");
        store.Stripes.Sum(s => s.SlotsMigrated).Should().BeGreaterThan(0, "resizes ran during the test");
    }

    // A value is its key's id, a version, its length, then bytes that follow from all three.
    private static byte[] MakeValue(int id, int version, int size)
    {
        var value = new byte[size];
        BinaryPrimitives.WriteInt32LittleEndian(value, id);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(4), version);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(8), size);
        for (var i = 12; i < size; i++)
        {
            value[i] = (byte)(id ^ version ^ i);
        }

        return value;
    }
}
