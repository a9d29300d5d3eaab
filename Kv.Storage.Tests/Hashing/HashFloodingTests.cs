using System.Buffers.Binary;
using System.Numerics;
using Kv.Storage.Hashing;

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

/// <summary>Kv's hash before the store used SipHash, kept here only to show the family collides under it.</summary>
internal static class LegacyHash
{
    public const ulong Prime1 = 0x9E3779B185EBCA87UL;
    public const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;

    public static ulong Compute(ulong seed, ReadOnlySpan<byte> key)
    {
        var hash = seed ^ ((ulong)key.Length * Prime1);
        while (key.Length >= 8)
        {
            hash = Round(hash, BinaryPrimitives.ReadUInt64LittleEndian(key));
            key = key.Slice(8);
        }

        if (key.Length > 0)
        {
            ulong tail = 0;
            for (var i = key.Length - 1; i >= 0; i--)
            {
                tail = (tail << 8) | key[i];
            }

            hash = Round(hash, tail);
        }

        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCDUL;
        hash ^= hash >> 33;
        hash *= 0xC4CEB9FE1A85EC53UL;
        hash ^= hash >> 33;
        return hash;
    }

    private static ulong Round(ulong hash, ulong lane) => BitOperations.RotateLeft(hash ^ (lane * Prime2), 31) * Prime1;
}

/// <summary>
/// Keys that collide under <see cref="LegacyHash"/> without knowing its seed. In a 16-byte block (two lanes), changing
/// the first lane so that <c>lane * P2</c> flips bit 32 flips only bit 63 of the state after the first round (the
/// rotation by 31 moves bit 32 to 63, and an odd multiplier keeps a difference in bit 63 there); changing the second
/// lane so that <c>lane * P2</c> flips bit 63 cancels it. Each block thus has two forms with the same effect, and k
/// blocks give 2^k keys of 16k bytes with one hash.
/// </summary>
internal static class CollidingFamily
{
    public static List<byte[]> Build(int blocks)
    {
        var inverse = Inverse(LegacyHash.Prime2);
        var random = new Random(blocks);
        var forms = new (ulong First, ulong Second)[blocks, 2];
        for (var b = 0; b < blocks; b++)
        {
            var first = (ulong)random.NextInt64();
            var second = (ulong)random.NextInt64();
            forms[b, 0] = (first, second);
            forms[b, 1] = (((first * LegacyHash.Prime2) ^ (1UL << 32)) * inverse, ((second * LegacyHash.Prime2) ^ (1UL << 63)) * inverse);
        }

        var keys = new List<byte[]>(1 << blocks);
        for (var i = 0; i < 1 << blocks; i++)
        {
            var key = new byte[16 * blocks];
            for (var b = 0; b < blocks; b++)
            {
                var (first, second) = forms[b, (i >> b) & 1];
                BinaryPrimitives.WriteUInt64LittleEndian(key.AsSpan(16 * b), first);
                BinaryPrimitives.WriteUInt64LittleEndian(key.AsSpan((16 * b) + 8), second);
            }

            keys.Add(key);
        }

        return keys;
    }

    // The multiplicative inverse of an odd number modulo 2^64, by Newton's iteration (each step doubles the good bits).
    private static ulong Inverse(ulong odd)
    {
        var inverse = odd;
        for (var i = 0; i < 6; i++)
        {
            inverse *= 2 - (odd * inverse);
        }

        return inverse;
    }
}
