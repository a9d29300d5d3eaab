using System.Buffers.Binary;

namespace Kv.Testing.HashFlooding;

/// <summary>
/// Keys that collide under <see cref="LegacyHash"/> without knowing its seed. In a 16-byte block (two lanes), changing
/// the first lane so that <c>lane * P2</c> flips bit 32 flips only bit 63 of the state after the first round (the
/// rotation by 31 moves bit 32 to 63, and an odd multiplier keeps a difference in bit 63 there); changing the second
/// lane so that <c>lane * P2</c> flips bit 63 cancels it. Each block thus has two forms with the same effect, and k
/// blocks give 2^k keys of 16k bytes with one hash.
/// </summary>
public static class CollidingFamily
{
    /// <summary>The 2^<paramref name="blocks"/> keys of 16 × <paramref name="blocks"/> bytes, always the same ones.</summary>
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
