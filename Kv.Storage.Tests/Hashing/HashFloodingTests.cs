using System.Buffers.Binary;
using Kv.Storage.Hashing;
using Kv.Testing.HashFlooding;

namespace Kv.Storage.Tests.Hashing;

/// <summary>
/// Hash flooding: a family of keys that all share one hash under Kv's old seeded hash, whatever its seed, must spread
/// under the store's hash like any other keys.
/// </summary>
public class HashFloodingTests
{
    private const int Blocks = 16;

    [Test]
    public void The_family_collides_under_the_old_hash_whatever_the_seed()
    {
        var family = CollidingFamily.Build(blocks: 8);
        family.Should().HaveCount(256);
        foreach (var seed in new[] { 0UL, 1UL, 0xDEADBEEFCAFEF00DUL, (ulong)Random.Shared.NextInt64() })
        {
            family.Select(key => LegacyHash.Compute(seed, key)).Distinct().Should().ContainSingle("the whole family shares one hash under seed {0}", seed);
        }
    }

    [Test]
    public void The_store_hash_spreads_the_family_over_stripes_and_slots([Values(false, true)] bool randomKey)
    {
        var hasher = randomKey ? new KeyHasher() : new KeyHasher(0x0706050403020100UL, 0x0f0e0d0c0b0a0908UL);
        var family = CollidingFamily.Build(Blocks);
        var hashes = family.Select(key => hasher.Hash(key)).ToArray();

        hashes.Distinct().Should().HaveCount(family.Count, "a 64-bit keyed hash of 65,536 keys has no collisions worth speaking of");
        ChiSquared(hashes.Select(h => (int)(h >> 58)), buckets: 64).Should().BeLessThan(160, "the top 6 bits choose among 64 stripes");
        ChiSquared(hashes.Select(h => (int)(h & 1023)), buckets: 1024).Should().BeLessThan(1300, "the low bits choose the home slot");
    }

    [Test]
    public void A_store_holds_and_finds_the_whole_family()
    {
        using var store = Stores.Create(stripes: 4);
        var family = CollidingFamily.Build(12);
        var value = new byte[8];
        for (var i = 0; i < family.Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(value, i);
            store.Set(family[i], value);
        }

        store.Count.Should().Be(family.Count);
        for (var i = 0; i < family.Count; i++)
        {
            BinaryPrimitives.ReadInt32LittleEndian(store.Read(family[i])).Should().Be(i);
        }
    }

    // Pearson's statistic against a uniform spread; its mean is buckets - 1.
    private static double ChiSquared(IEnumerable<int> values, int buckets)
    {
        var counts = new long[buckets];
        long total = 0;
        foreach (var value in values)
        {
            counts[value]++;
            total++;
        }

        var expected = (double)total / buckets;
        return counts.Sum(c => (c - expected) * (c - expected) / expected);
    }
}
